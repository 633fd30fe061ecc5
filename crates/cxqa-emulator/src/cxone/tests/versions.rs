//! Reference §7: each API version's field names on completed contacts, and only the versions
//! CXone serves (v16.0 to v34.0).

use super::*;

const RENAMED: [(&str, &str); 5] = [
    ("ACWSeconds", "acwSeconds"),
    ("contactStart", "contactStartDate"),
    ("fromAddr", "fromAddress"),
    ("toAddr", "toAddress"),
    ("mediaType", "mediaTypeId"),
];

#[tokio::test]
async fn completed_contacts_carry_the_field_names_of_the_version_asked_for() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    let base = emu.url("cxone");
    let token = access_token(&http, base).await;
    let window = format!("{}&top=3", the_week());
    for (version, old_names) in [
        ("v21.0", true),
        ("v23.0", true),
        ("v26.0", false),
        ("v34.0", false),
    ] {
        let url = format!("{base}/incontactapi/services/{version}/contacts/completed?{window}");
        let (status, page) = get_json(&http, &url, &token).await;
        assert_eq!(status, 200, "{version}");
        let contact = &page["completedContacts"][0];
        for (before, since) in RENAMED {
            let (present, absent) = if old_names {
                (before, since)
            } else {
                (since, before)
            };
            assert!(
                contact.get(present).is_some(),
                "{version}: {present} in {contact}"
            );
            assert!(
                contact.get(absent).is_none(),
                "{version}: {absent} in {contact}"
            );
        }
        let id = &contact["contactId"];
        let (status, one) = get_json(
            &http,
            &format!("{base}/incontactapi/services/{version}/contacts/{id}"),
            &token,
        )
        .await;
        assert_eq!(status, 200);
        let field = if old_names {
            "ACWSeconds"
        } else {
            "acwSeconds"
        };
        assert_eq!(one["contactId"][field], contact[field], "{version} by id");
    }
}

#[tokio::test]
async fn versions_cxone_does_not_serve_answer_404_with_the_reason() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    let base = emu.url("cxone");
    let token = access_token(&http, base).await;
    for version in ["v99.0", "v15.0", "v34", "latest"] {
        for path in ["contacts/completed", "agents", "contacts/1"] {
            let response = http
                .get(format!("{base}/incontactapi/services/{version}/{path}"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 404, "{version}/{path}");
            let reason = response.headers()["icStatusDescription"].to_str().unwrap();
            assert!(reason.contains(version), "{reason}");
        }
    }
}
