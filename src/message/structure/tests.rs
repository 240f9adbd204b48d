//! Part numbers on their own; the tree and the view plan are tested from BODYSTRUCTUREs as
//! servers send them, where they are built (`imap::body_structure`).

use super::*;

fn path(p: &str) -> PartPath {
    PartPath::parse(p).unwrap()
}

#[test]
fn part_numbers_parse_and_print_as_imap_writes_them() {
    assert_eq!(path("1.2.10").to_string(), "1.2.10");
    for bad in [
        "", "0", "1..2", "1.a", "-1", "1.", ".1", "1 2", "HEADER", "1.2.MIME",
    ] {
        assert!(PartPath::parse(bad).is_none(), "{bad}");
    }
    let deep = vec!["1"; 40].join(".");
    assert!(PartPath::parse(&deep).is_none());
}

#[test]
fn children_are_numbered_below_their_parent() {
    assert_eq!(PartPath::default().child(1), path("1"));
    assert_eq!(path("2.1").child(3), path("2.1.3"));
    assert!(PartPath::default().is_root());
}
