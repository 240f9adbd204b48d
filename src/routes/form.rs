//! A posted form as name/value pairs, for forms whose fields repeat (`uid`…) or depend on
//! the action, which a struct cannot hold.

/// The fields of a `application/x-www-form-urlencoded` body, in order.
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn parse(body: &[u8]) -> Fields {
        Fields(
            url::form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_fields_are_all_kept() {
        let fields = Fields::parse(b"uid=3&uid=5&action=move&target=Projects%2FRust");
        assert_eq!(fields.all("uid").collect::<Vec<_>>(), ["3", "5"]);
        assert_eq!(fields.get("target"), Some("Projects/Rust"));
    }
}
