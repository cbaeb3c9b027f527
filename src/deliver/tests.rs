use super::*;

#[test]
fn errors_lose_the_address_the_url_and_any_identifier() {
    let to = Address::Email("jefe.calidad@example.edu.co".into());
    let e = clean_error(
        "SMTP: permanent error (550): <jefe.calidad@example.edu.co> mailbox full; call 3001234567",
        &to,
    );
    assert!(!e.contains("jefe.calidad"), "{e}");
    assert!(!e.contains("3001234567"), "{e}");
    assert!(e.contains("550"), "{e}");
    let hook = Address::Webhook("https://hooks.example/T000/B000/secret".into());
    let e = clean_error(
        "webhook: io error connecting to https://hooks.example/T000/B000/secret",
        &hook,
    );
    assert!(!e.contains("secret"), "{e}");
}

#[test]
fn backoff_doubles_up_to_the_cap() {
    let mut catalog = Catalog::embedded();
    catalog.delivery.backoff_seconds = 5;
    catalog.delivery.max_backoff_seconds = 12;
    let waits: Vec<u64> = (1..=4).map(|n| backoff(&catalog, n).as_secs()).collect();
    assert_eq!(waits, vec![5, 10, 12, 12]);
}

#[tokio::test]
async fn without_recipients_nothing_is_sent_or_recorded() {
    let lake = Lake::open("memory://deliver-none").unwrap();
    let s = deliver(
        &lake,
        &Catalog::embedded(),
        &DeliverOptions {
            report_dir: None,
            now: Utc::now(),
            run_id: None,
            dry_run: false,
        },
    )
    .await
    .unwrap();
    assert!(s.sent.is_empty() && s.failed.is_empty());
    assert!(
        s.detail().contains("no hay destinatarios"),
        "{}",
        s.detail()
    );
    assert!(table::read_all(&lake).await.unwrap().is_empty());
}
