//! The one precedence rule every setting follows: a flag beats an environment
//! variable, which beats the config file, which beats the default.

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    Flag,
    Env,
    File,
}

/// The value of the highest layer that has one, and that layer; `None` when no
/// layer has one, so the default applies. Lower layers are not looked at, so a
/// bad value there cannot fail a setting a higher layer decides.
pub fn pick<T>(flag: Option<T>, env: Option<T>, file: Option<T>) -> Option<(T, Layer)> {
    flag.map(|v| (v, Layer::Flag))
        .or_else(|| env.map(|v| (v, Layer::Env)))
        .or_else(|| file.map(|v| (v, Layer::File)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_highest_layer_with_a_value_wins() {
        assert_eq!(pick(Some(1), Some(2), Some(3)), Some((1, Layer::Flag)));
        assert_eq!(pick(None, Some(2), Some(3)), Some((2, Layer::Env)));
        assert_eq!(pick(Some(1), None, Some(3)), Some((1, Layer::Flag)));
        assert_eq!(pick(None, None, Some(3)), Some((3, Layer::File)));
        assert_eq!(pick::<u8>(None, None, None), None);
    }
}
