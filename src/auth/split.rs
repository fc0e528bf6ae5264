//! One record over as many keychain entries as it needs.
//!
//! Windows Credential Manager keeps at most 2 560 bytes per entry, written as
//! UTF-16: 1 280 characters, less than a real provider's JWT access token plus its
//! refresh token (each 1 000–2 500 characters). A record that fits stays one
//! entry, as before. A longer one is written as parts under a fresh generation
//! name, then the main entry is switched to name them in one write, then the old
//! parts are deleted: a reader sees the old record or the new one, never a mix,
//! and one that loses a race with a writer's clean-up reads again.

use std::sync::Arc;

use keyring_core::{CredentialStore, Entry, Error};

/// How a main entry that points at parts begins; a record itself is JSON (`{`).
const MARK: &str = "digiusher-split:v1:";
/// More parts than any credential needs; a bound on what a damaged entry makes us read.
const MAX_PARTS: usize = 32;
/// Reads retried when a writer replaced the parts meanwhile.
const READ_ATTEMPTS: usize = 3;

#[derive(Debug, thiserror::Error)]
pub enum SplitError {
    #[error(transparent)]
    Keychain(#[from] Error),
    #[error("{0}")]
    Damaged(String),
}

/// Where a record's parts are.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Manifest {
    generation: String,
    parts: usize,
}

impl Manifest {
    fn parse(text: &str) -> Option<Result<Manifest, SplitError>> {
        let rest = text.strip_prefix(MARK)?;
        let parsed = rest.split_once(':').and_then(|(generation, parts)| {
            let parts: usize = parts.parse().ok()?;
            let ok = (1..=MAX_PARTS).contains(&parts)
                && !generation.is_empty()
                && generation.bytes().all(|b| b.is_ascii_alphanumeric());
            ok.then(|| Manifest {
                generation: generation.to_string(),
                parts,
            })
        });
        Some(parsed.ok_or_else(|| SplitError::Damaged("its list of parts is not readable".into())))
    }

    fn text(&self) -> String {
        format!("{MARK}{}:{}", self.generation, self.parts)
    }

    fn part_account(&self, key: &str, index: usize) -> String {
        format!("{key}#{}.{index}", self.generation)
    }
}

/// The record under `key`, joined from its parts when it was split.
pub fn read(
    store: &Arc<CredentialStore>,
    service: &str,
    key: &str,
) -> Result<Option<String>, SplitError> {
    for _ in 0..READ_ATTEMPTS {
        let Some(text) = get(store, service, key)? else {
            return Ok(None);
        };
        let Some(manifest) = Manifest::parse(&text) else {
            return Ok(Some(text));
        };
        let manifest = manifest?;
        let mut joined = String::new();
        let mut complete = true;
        for index in 0..manifest.parts {
            match get(store, service, &manifest.part_account(key, index))? {
                Some(part) => joined.push_str(&part),
                None => {
                    complete = false;
                    break;
                }
            }
        }
        if complete {
            return Ok(Some(joined));
        }
    }
    Err(SplitError::Damaged("some of its parts are missing".into()))
}

/// Store `text` under `key`, in parts of at most `limit` UTF-16 code units when it
/// does not fit one entry, and remove the parts of the record it replaces.
pub fn write(
    store: &Arc<CredentialStore>,
    service: &str,
    key: &str,
    text: &str,
    limit: Option<usize>,
) -> Result<(), SplitError> {
    let previous = previous_manifest(store, service, key);
    let fits = limit.is_none_or(|max| text.encode_utf16().count() <= max);
    let written = if fits {
        entry(store, service, key)?.set_password(text)?;
        None
    } else {
        let max = limit.unwrap_or(usize::MAX);
        let parts = chunks(text, max.max(2));
        if parts.len() > MAX_PARTS {
            return Err(Error::TooLong("the credential".into(), (MAX_PARTS * max) as u32).into());
        }
        let manifest = Manifest {
            generation: format!("{:08x}", fastrand::u32(..)),
            parts: parts.len(),
        };
        for (index, part) in parts.iter().enumerate() {
            let account = manifest.part_account(key, index);
            if let Err(e) = entry(store, service, &account).and_then(|e| e.set_password(part)) {
                let written = Manifest {
                    generation: manifest.generation.clone(),
                    parts: index,
                };
                remove_parts(store, service, key, &written);
                return Err(e.into());
            }
        }
        if let Err(e) = entry(store, service, key).and_then(|e| e.set_password(&manifest.text())) {
            remove_parts(store, service, key, &manifest);
            return Err(e.into());
        }
        Some(manifest)
    };
    if let Some(old) = previous
        && Some(&old) != written.as_ref()
    {
        remove_parts(store, service, key, &old);
    }
    Ok(())
}

/// Remove the record under `key` and its parts; `false` when there was none.
pub fn delete(store: &Arc<CredentialStore>, service: &str, key: &str) -> Result<bool, SplitError> {
    let previous = previous_manifest(store, service, key);
    let existed = match entry(store, service, key)?.delete_credential() {
        Ok(()) => true,
        Err(Error::NoEntry) => false,
        Err(e) => return Err(e.into()),
    };
    if let Some(old) = previous {
        remove_parts(store, service, key, &old);
    }
    Ok(existed)
}

/// The parts the record under `key` points at now, if it is split and readable.
fn previous_manifest(store: &Arc<CredentialStore>, service: &str, key: &str) -> Option<Manifest> {
    let text = get(store, service, key).ok()??;
    Manifest::parse(&text)?.ok()
}

/// Best effort: a part left behind takes a little room and is never read.
fn remove_parts(store: &Arc<CredentialStore>, service: &str, key: &str, manifest: &Manifest) {
    for index in 0..manifest.parts {
        let account = manifest.part_account(key, index);
        match entry(store, service, &account).and_then(|e| e.delete_credential()) {
            Ok(()) | Err(Error::NoEntry) => {}
            Err(_) => tracing::debug!("could not remove the keychain entry {account}"),
        }
    }
}

fn entry(store: &Arc<CredentialStore>, service: &str, account: &str) -> Result<Entry, Error> {
    Entry::new_in_store(store, service, account)
}

fn get(
    store: &Arc<CredentialStore>,
    service: &str,
    account: &str,
) -> Result<Option<String>, Error> {
    match entry(store, service, account)?.get_password() {
        Ok(text) => Ok(Some(text)),
        Err(Error::NoEntry) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `text` cut on character boundaries into pieces of at most `max` UTF-16 code
/// units (`max` >= 2, so a character outside the BMP always fits).
fn chunks(text: &str, max: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut units = 0;
    for (at, c) in text.char_indices() {
        if units + c.len_utf16() > max {
            pieces.push(&text[start..at]);
            start = at;
            units = 0;
        }
        units += c.len_utf16();
    }
    if start < text.len() {
        pieces.push(&text[start..]);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::LimitedStore;

    const SERVICE: &str = "digiusher-mcp-test";

    fn long(n: usize, seed: char) -> String {
        std::iter::repeat_n(seed, n).collect()
    }

    #[test]
    fn a_record_that_fits_is_one_entry_as_before() {
        let (store, fake) = LimitedStore::windows();
        write(&store, SERVICE, "p", "{\"short\":1}", Some(1280)).unwrap();
        assert_eq!(fake.accounts(), ["p"]);
        assert_eq!(fake.password("p").unwrap(), "{\"short\":1}");
        assert_eq!(
            read(&store, SERVICE, "p").unwrap().unwrap(),
            "{\"short\":1}"
        );
    }

    #[test]
    fn a_long_record_is_split_read_back_replaced_and_deleted_without_leftovers() {
        let (store, fake) = LimitedStore::windows();
        // Non-ASCII text counts double in UTF-16 bytes: cut on characters.
        let record = format!(
            "{{\"a\":\"{}\",\"n\":\"{}\"}}",
            long(3000, 'x'),
            long(700, 'é')
        );
        // What one entry would do: the store refuses it, as Credential Manager does.
        assert!(matches!(
            entry(&store, SERVICE, "whole")
                .unwrap()
                .set_password(&record),
            Err(Error::TooLong(..))
        ));
        write(&store, SERVICE, "p", &record, Some(1280)).unwrap();
        assert_eq!(read(&store, SERVICE, "p").unwrap().unwrap(), record);
        assert_eq!(fake.accounts().len(), 1 + 3, "{:?}", fake.accounts());

        let shorter = format!("{{\"a\":\"{}\"}}", long(1500, 'y'));
        write(&store, SERVICE, "p", &shorter, Some(1280)).unwrap();
        assert_eq!(read(&store, SERVICE, "p").unwrap().unwrap(), shorter);
        assert_eq!(fake.accounts().len(), 1 + 2, "the old parts are gone");

        write(&store, SERVICE, "p", "{}", Some(1280)).unwrap();
        assert_eq!(fake.accounts(), ["p"]);
        write(&store, SERVICE, "p", &record, Some(1280)).unwrap();
        assert!(delete(&store, SERVICE, "p").unwrap());
        assert!(fake.accounts().is_empty());
        assert!(!delete(&store, SERVICE, "p").unwrap());
        assert_eq!(read(&store, SERVICE, "p").unwrap(), None);
    }

    #[test]
    fn missing_parts_or_a_garbled_list_are_damage_not_a_panic() {
        let (store, fake) = LimitedStore::windows();
        write(&store, SERVICE, "p", &long(3000, 'z'), Some(1280)).unwrap();
        let part = fake
            .accounts()
            .into_iter()
            .find(|a| a.contains('#'))
            .unwrap();
        entry(&store, SERVICE, &part)
            .unwrap()
            .delete_credential()
            .unwrap();
        assert!(matches!(
            read(&store, SERVICE, "p"),
            Err(SplitError::Damaged(_))
        ));
        for garbled in [
            MARK.to_string(),
            format!("{MARK}abc"),
            format!("{MARK}abc:0"),
            format!("{MARK}abc:999"),
            format!("{MARK}a/b:1"),
        ] {
            entry(&store, SERVICE, "q")
                .unwrap()
                .set_password(&garbled)
                .unwrap();
            assert!(
                matches!(read(&store, SERVICE, "q"), Err(SplitError::Damaged(_))),
                "{garbled}"
            );
            // A damaged record can still be replaced and deleted.
            write(&store, SERVICE, "q", "{}", Some(1280)).unwrap();
            assert!(delete(&store, SERVICE, "q").unwrap());
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(
            crate::testing::proptest_cases(200)
        ))]

        /// Any text, of any mix of one- to four-byte characters, goes in and comes
        /// back whole under Credential Manager's limit, replacing whatever was there,
        /// and leaves exactly the entries it needs.
        #[test]
        fn any_record_round_trips_under_the_limit(
            first in "\\PC{0,3000}",
            second in "(\\PC|😀){0,3000}",
        ) {
            let (store, fake) = LimitedStore::windows();
            for text in [&first, &second] {
                write(&store, SERVICE, "k", text, Some(1280)).unwrap();
                let back = read(&store, SERVICE, "k").unwrap();
                proptest::prop_assert_eq!(back.as_ref(), Some(text));
                let parts = fake.accounts().len() - 1;
                let units = text.encode_utf16().count();
                let fits = units <= 1280;
                let right = if fits { parts == 0 } else { parts >= units.div_ceil(1280) };
                proptest::prop_assert!(right, "{} parts for {} UTF-16 units", parts, units);
            }
            proptest::prop_assert!(delete(&store, SERVICE, "k").unwrap());
            proptest::prop_assert!(fake.accounts().is_empty());
        }
    }

    #[test]
    fn pieces_respect_the_limit_and_character_boundaries() {
        let text = "a😀b😀😀c";
        for max in 2..8 {
            let pieces = chunks(text, max);
            assert_eq!(pieces.concat(), text);
            assert!(pieces.iter().all(|p| p.encode_utf16().count() <= max));
        }
        assert!(chunks("", 4).is_empty());
    }
}
