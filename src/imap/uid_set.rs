//! A set of UIDs as IMAP writes it (`1:5,9,12:14`): what every action, fetch and sort over a
//! selection names, whatever its size.

use std::fmt;

/// A set of UIDs, written the compact IMAP way (`1:5,9,12:14`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UidSet {
    /// Chosen messages, ascending, no duplicates, never empty.
    Some(Vec<u32>),
    /// Everything in the folder (`1:*`).
    All,
}

impl UidSet {
    /// The most UIDs one action takes; a whole folder goes as [`UidSet::All`].
    pub const MAX: usize = 50_000;

    /// Parses the UIDs a form sent; `None` for none, zero, junk or too many.
    pub fn parse<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<UidSet> {
        let mut uids = Vec::new();
        for v in values {
            let uid: u32 = v.trim().parse().ok().filter(|&u| u > 0)?;
            uids.push(uid);
            if uids.len() > Self::MAX {
                return None;
            }
        }
        uids.sort_unstable();
        uids.dedup();
        (!uids.is_empty()).then_some(UidSet::Some(uids))
    }

    pub fn single(uid: u32) -> UidSet {
        UidSet::Some(vec![uid])
    }

    /// How many messages, when known (`None`: the whole folder).
    pub fn count(&self) -> Option<usize> {
        match self {
            UidSet::Some(uids) => Some(uids.len()),
            UidSet::All => None,
        }
    }

    pub(crate) fn contains(&self, uid: u32) -> bool {
        match self {
            UidSet::Some(uids) => uids.binary_search(&uid).is_ok(),
            UidSet::All => true,
        }
    }
}

impl fmt::Display for UidSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let uids = match self {
            UidSet::All => return f.write_str("1:*"),
            UidSet::Some(uids) => uids,
        };
        let mut i = 0;
        while i < uids.len() {
            let start = uids[i];
            let mut end = start;
            while i + 1 < uids.len() && uids[i + 1] == end + 1 {
                i += 1;
                end = uids[i];
            }
            if start != uids[0] {
                f.write_str(",")?;
            }
            if start == end {
                write!(f, "{start}")?;
            } else {
                write!(f, "{start}:{end}")?;
            }
            i += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_sets_are_written_compactly() {
        let set = UidSet::parse(["9", "1", "2", "3", "5", "12", "13", "14", "3"]).unwrap();
        assert_eq!(set.to_string(), "1:3,5,9,12:14");
        assert_eq!(set.count(), Some(8));
        assert_eq!(UidSet::single(7).to_string(), "7");
        assert_eq!(UidSet::All.to_string(), "1:*");
    }

    #[test]
    fn junk_zero_and_empty_selections_are_refused() {
        assert_eq!(UidSet::parse([]), None);
        assert_eq!(UidSet::parse(["0"]), None);
        assert_eq!(UidSet::parse(["12", "x"]), None);
        assert_eq!(UidSet::parse(["1:*"]), None);
        assert_eq!(UidSet::parse(["4294967296"]), None);
        assert_eq!(UidSet::parse(["1 FLAGS"]), None);
    }

    #[test]
    fn too_many_uids_are_refused() {
        let many: Vec<String> = (1..=UidSet::MAX as u32 + 1)
            .map(|u| u.to_string())
            .collect();
        assert_eq!(UidSet::parse(many.iter().map(String::as_str)), None);
    }

    #[test]
    fn a_set_knows_its_members() {
        let set = UidSet::parse(["3", "9"]).unwrap();
        assert!(set.contains(3) && set.contains(9) && !set.contains(4));
        assert!(UidSet::All.contains(4));
    }
}
