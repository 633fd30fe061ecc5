use cxqa_core::Stream;

#[test]
fn every_connector_crate_is_registered_sorted_by_name() {
    let vendors: Vec<&str> = cxqa_core::registry().iter().map(|r| r.vendor).collect();
    assert_eq!(vendors, vec!["cxone", "genesys"]);
}

#[test]
fn every_registered_connector_offers_a_stream_and_describes_itself() {
    for registration in cxqa_core::registry() {
        assert!(!registration.streams.is_empty(), "{}", registration.vendor);
        assert!(
            !registration.description.is_empty(),
            "{}",
            registration.vendor
        );
        assert!(registration.streams.iter().all(|s| Stream::ALL.contains(s)));
    }
}
