//! Topic matching (checklist §6.8) and topic name / filter validation (§1.5 TOP-1 … TOP-8).

use mqtt_codec::{
    split_shared, topic_matches, validate_topic_filter, validate_topic_name, StrError, TopicError,
    TopicFilter, TopicName,
};

/// (filter, topic, expected): the spec's non-normative examples of §6.8, plus a few more
/// around the same rules.
const MATCHING: &[(&str, &str, bool)] = &[
    ("sport/tennis/player1/#", "sport/tennis/player1", true),
    (
        "sport/tennis/player1/#",
        "sport/tennis/player1/ranking",
        true,
    ),
    (
        "sport/tennis/player1/#",
        "sport/tennis/player1/score/wimbledon",
        true,
    ),
    ("sport/#", "sport", true),
    ("#", "sport", true),
    ("#", "sport/tennis/player1", true),
    ("#", "/finance", true),
    ("#", "/", true),
    ("#", "a", true),
    ("sport/tennis/+", "sport/tennis/player1", true),
    ("sport/tennis/+", "sport/tennis/player1/ranking", false),
    ("sport/+", "sport", false),
    ("sport/+", "sport/", true),
    ("+/+", "/finance", true),
    ("/+", "/finance", true),
    ("+", "/finance", false),
    ("#", "$SYS/anything", false),
    ("+/monitor/Clients", "$SYS/monitor/Clients", false),
    ("$SYS/#", "$SYS/monitor/Clients", true),
    ("$SYS/monitor/+", "$SYS/monitor/Clients", true),
    ("ACCOUNTS", "Accounts", false),
    ("/finance", "finance", false),
    // More of the same rules.
    ("+", "$SYS", false),
    ("#", "$", false),
    ("+/#", "$SYS/x", false),
    ("$SYS", "$SYS", true),
    ("a/#", "a", true),
    ("a/#", "ab", false),
    ("a/+/b", "a//b", true),
    ("a/+/b", "a/x/b", true),
    ("a/+/b", "a/x/y/b", false),
    ("+", "", true),
    ("a/b", "a/b/", false),
    ("a/b/", "a/b/", true),
    ("a b", "a b", true),
    ("é/+", "é/ü", true),
    ("a", "a/b", false),
    ("a/b", "a", false),
    ("+/+", "a", false),
];

#[test]
fn topic_matches_spec_examples() {
    for &(filter, topic, expected) in MATCHING {
        assert_eq!(
            topic_matches(filter, topic),
            expected,
            "topic_matches({filter:?}, {topic:?})"
        );
    }
}

#[test]
fn topic_filter_matches_spec_examples() {
    for &(filter, topic, expected) in MATCHING.iter().filter(|(_, t, _)| !t.is_empty()) {
        let f = TopicFilter::new(filter).unwrap_or_else(|e| panic!("{filter:?}: {e:?}"));
        let t = TopicName::new(topic).unwrap_or_else(|e| panic!("{topic:?}: {e:?}"));
        assert_eq!(f.matches(&t), expected, "{filter:?}.matches({topic:?})");
        let f = TopicFilter::from_static(filter).unwrap();
        assert_eq!(
            f.matches(&t),
            expected,
            "from_static {filter:?}.matches({topic:?})"
        );
    }
}

#[test]
fn shared_filters_match_as_their_inner_filter() {
    let cases: &[(&str, &str, bool)] = &[
        ("$share/g/sport/+", "sport/tennis", true),
        ("$share/g/sport/#", "sport", true),
        ("$share/g/#", "a/b", true),
        ("$share/g/#", "$SYS/x", false),
        ("$share/g/a/b", "a/b", true),
        ("$share/g/a/b", "$share/g/a/b", false),
    ];
    for &(filter, topic, expected) in cases {
        assert_eq!(
            topic_matches(filter, topic),
            expected,
            "{filter:?} vs {topic:?}"
        );
        let f = TopicFilter::new(filter).unwrap();
        assert_eq!(f.matches(&TopicName::new(topic).unwrap()), expected);
    }
}

#[test]
fn topic_name_is_system_for_dollar_topics() {
    assert!(TopicName::new("$SYS/x").unwrap().is_system());
    assert!(!TopicName::new("a/$SYS").unwrap().is_system());
}

/// Invalid filters of §6.8 and TOP-5/TOP-6, with the error the validator gives.
const INVALID_FILTERS: &[(&str, TopicError)] = &[
    ("sport/tennis#", TopicError::MultiLevelWildcard),
    ("sport/tennis/#/ranking", TopicError::MultiLevelWildcard),
    ("sport+", TopicError::SingleLevelWildcard),
    ("a#", TopicError::MultiLevelWildcard),
    ("a/#/b", TopicError::MultiLevelWildcard),
    ("a/b#", TopicError::MultiLevelWildcard),
    ("#/", TopicError::MultiLevelWildcard),
    ("##", TopicError::MultiLevelWildcard),
    ("a+", TopicError::SingleLevelWildcard),
    ("+a", TopicError::SingleLevelWildcard),
    ("a/b+/c", TopicError::SingleLevelWildcard),
    ("++", TopicError::SingleLevelWildcard),
    ("", TopicError::Empty),
    ("a\0b", TopicError::String(StrError::NullCharacter)),
    ("\0", TopicError::String(StrError::NullCharacter)),
];

#[test]
fn invalid_filters_are_refused_in_both_modes() {
    for (filter, error) in INVALID_FILTERS {
        for shared in [false, true] {
            assert_eq!(
                validate_topic_filter(filter, shared),
                Err(*error),
                "validate_topic_filter({filter:?}, {shared})"
            );
        }
        assert_eq!(
            TopicFilter::new(filter),
            Err(*error),
            "TopicFilter::new({filter:?})"
        );
    }
}

const VALID_FILTERS: &[&str] = &[
    "#",
    "a/#",
    "/#",
    "+",
    "+/+",
    "a/+/b",
    "/+",
    "+/#",
    "a//b",
    "/",
    "/a",
    "a/",
    "sport/tennis/player1",
    "$SYS/#",
    "a b/c",
    "\u{FEFF}",
    "é/😀",
    "\u{1}",
];

#[test]
fn valid_filters_are_accepted_in_both_modes() {
    for filter in VALID_FILTERS {
        for shared in [false, true] {
            assert_eq!(
                validate_topic_filter(filter, shared),
                Ok(()),
                "validate_topic_filter({filter:?}, {shared})"
            );
        }
        let f = TopicFilter::new(filter).unwrap();
        assert_eq!(f.as_str(), *filter);
        assert_eq!(f.shared(), None);
        assert_eq!(f.has_wildcards(), filter.contains(['+', '#']));
    }
}

#[test]
fn shared_subscription_rules_apply_only_in_v5_mode() {
    // (filter, error under the 5.0 rules); all of them are ordinary filters in 3.1.1.
    let invalid_shared: &[(&str, TopicError)] = &[
        ("$share/g", TopicError::SharedSubscription),
        ("$share//a", TopicError::SharedSubscription),
        ("$share/g/", TopicError::SharedSubscription),
        ("$share/", TopicError::SharedSubscription),
        ("$share//", TopicError::SharedSubscription),
        ("$share/g+/a", TopicError::SharedSubscription),
        ("$share/g#/a", TopicError::SharedSubscription),
        ("$share/+/a", TopicError::SharedSubscription),
    ];
    for (filter, error) in invalid_shared {
        assert_eq!(
            validate_topic_filter(filter, true),
            Err(*error),
            "{filter:?} under 5.0"
        );
        assert_eq!(
            TopicFilter::new(filter),
            Err(*error),
            "TopicFilter::new({filter:?})"
        );
    }
    // The ones whose levels are fine as a plain filter are accepted by the 3.1.1 rules.
    for filter in ["$share/g", "$share//a", "$share/g/", "$share/", "$share//"] {
        assert_eq!(
            validate_topic_filter(filter, false),
            Ok(()),
            "{filter:?} under 3.1.1"
        );
    }
    // ... and the others fail there for the ordinary wildcard reason.
    assert_eq!(
        validate_topic_filter("$share/g+/a", false),
        Err(TopicError::SingleLevelWildcard)
    );
    assert_eq!(
        validate_topic_filter("$share/g#/a", false),
        Err(TopicError::MultiLevelWildcard)
    );
}

#[test]
fn shared_filter_inner_filter_follows_the_wildcard_rules() {
    assert_eq!(
        validate_topic_filter("$share/g/a#", true),
        Err(TopicError::MultiLevelWildcard)
    );
    assert_eq!(
        validate_topic_filter("$share/g/a+/b", true),
        Err(TopicError::SingleLevelWildcard)
    );
    for filter in [
        "$share/g/x",
        "$share/g/#",
        "$share/g/+",
        "$share/g/a/+/b/#",
        "$share/group-1/$SYS/#",
        "$share/g//a",
        "$share/g/a\u{FEFF}",
    ] {
        assert_eq!(validate_topic_filter(filter, true), Ok(()), "{filter:?}");
        assert_eq!(validate_topic_filter(filter, false), Ok(()), "{filter:?}");
        let f = TopicFilter::new(filter).unwrap();
        assert!(f.shared().is_some(), "{filter:?} is shared");
    }
    assert_eq!(split_shared("$share/g/a/b"), Some(("g", "a/b")));
    assert_eq!(split_shared("$share/g//a"), Some(("g", "/a")));
    assert_eq!(split_shared("$SHARE/g/a"), None, "case-sensitive prefix");
    assert_eq!(split_shared("share/g/a"), None);
    assert_eq!(split_shared("a/$share/g/a"), None);
    // Not shared: "$share" without the slash, or a different case.
    assert_eq!(validate_topic_filter("$share", true), Ok(()));
    assert_eq!(validate_topic_filter("$SHARE/g", true), Ok(()));
}

#[test]
fn topic_names_valid() {
    for name in [
        "a",
        "a/b",
        "a//b",
        "/",
        "/a",
        "a/",
        "//",
        "$SYS/x",
        "a b",
        " ",
        "\u{FEFF}",
        "\u{FEFF}a",
        "é/😀",
        "\u{1}\u{7F}",
        "$share/g/x",
    ] {
        assert_eq!(validate_topic_name(name), Ok(()), "{name:?}");
        assert_eq!(TopicName::new(name).unwrap().as_str(), name);
    }
    let long = "a".repeat(65_535);
    assert_eq!(validate_topic_name(&long), Ok(()));
}

#[test]
fn topic_names_invalid() {
    let cases: &[(&str, TopicError)] = &[
        ("", TopicError::Empty),
        ("a/+", TopicError::WildcardInName),
        ("+", TopicError::WildcardInName),
        ("#", TopicError::WildcardInName),
        ("a/#", TopicError::WildcardInName),
        ("a+b", TopicError::WildcardInName),
        ("a#b", TopicError::WildcardInName),
        ("a\0b", TopicError::String(StrError::NullCharacter)),
        ("\0", TopicError::String(StrError::NullCharacter)),
    ];
    for (name, error) in cases {
        assert_eq!(validate_topic_name(name), Err(*error), "{name:?}");
        assert_eq!(
            TopicName::new(name).map(|_| ()),
            Err(*error),
            "TopicName::new({name:?})"
        );
    }
    let long = "a".repeat(65_536);
    assert_eq!(
        validate_topic_name(&long),
        Err(TopicError::String(StrError::TooLong))
    );
    assert_eq!(
        validate_topic_filter(&long, true),
        Err(TopicError::String(StrError::TooLong))
    );
}

#[test]
fn topic_name_and_filter_try_from_validate() {
    assert!(TopicName::try_from("a/b").is_ok());
    assert_eq!(
        TopicName::try_from("a/+").map(|_| ()),
        Err(TopicError::WildcardInName)
    );
    assert!(TopicFilter::try_from("a/+").is_ok());
    assert_eq!(
        TopicFilter::try_from("a+").map(|_| ()),
        Err(TopicError::SingleLevelWildcard)
    );
    assert_eq!(TopicName::from_static(""), Err(TopicError::Empty));
    assert_eq!(
        TopicFilter::from_static("$share/g"),
        Err(TopicError::SharedSubscription)
    );
}

/// The wildcard rules level by level, as the spec states them: a `#` is a level of its own
/// and the last level (TOP-5), a `+` a level of its own (TOP-6), the first bad level
/// deciding. The library checks them in one pass over the bytes; this is its reference.
fn wildcard_rule_by_levels(filter: &str) -> Result<(), TopicError> {
    if filter.is_empty() {
        return Err(TopicError::Empty);
    }
    let levels: Vec<&str> = filter.split('/').collect();
    for (i, level) in levels.iter().enumerate() {
        if level.contains('#') && (*level != "#" || i + 1 != levels.len()) {
            return Err(TopicError::MultiLevelWildcard);
        }
        if level.contains('+') && *level != "+" {
            return Err(TopicError::SingleLevelWildcard);
        }
    }
    Ok(())
}

proptest::proptest! {
    /// The one-pass filter check gives the verdict (and the error) of the level-by-level
    /// statement of [MQTT-4.7.1-1] and [MQTT-4.7.1-2], on filters made of the characters
    /// that matter.
    #[test]
    fn filter_check_agrees_with_the_level_rules(filter in "[a/+#]{0,12}") {
        proptest::prop_assert_eq!(
            validate_topic_filter(&filter, false),
            wildcard_rule_by_levels(&filter)
        );
    }
}
