//! Query strings, decoded as `application/x-www-form-urlencoded` (`+` is a space,
//! `%2B` a literal plus), keeping every pair in received order.

/// The decoded pairs of a query string.
#[derive(Clone, Debug, Default)]
pub struct Query {
    pub pairs: Vec<(String, String)>,
}

impl Query {
    pub fn parse(raw: &str) -> Query {
        Query {
            pairs: form_urlencoded::parse(raw.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        }
    }

    /// The last value of a key (what Tornado's and FastAPI's single-value getters use).
    pub fn last(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated key, in order.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn has(&self, key: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == key)
    }

    /// Distinct keys in the order they first appear.
    pub fn keys(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for (k, _) in &self.pairs {
            if !out.contains(&k.as_str()) {
                out.push(k);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_and_percent_2b() {
        let q = Query::parse("pool_id=a%2B&name_like=web+1&k=1&k=2&e=");
        assert_eq!(q.last("pool_id"), Some("a+"));
        assert_eq!(q.last("name_like"), Some("web 1"));
        assert_eq!(q.all("k"), vec!["1", "2"]);
        assert_eq!(q.last("e"), Some(""));
        assert_eq!(q.keys(), vec!["pool_id", "name_like", "k", "e"]);
    }
}
