//! Listing users page by page, with a cursor on the id.

use service::testing::UserFactory;
use service::{Error, PageSize};

use crate::support::database;

#[tokio::test]
async fn pages_cover_every_user_once_in_creation_order() {
    let db = database().await;
    let mut created = UserFactory::new().create_many(&*db, 4).await.unwrap();
    created.extend(
        UserFactory::new()
            .host()
            .create_many(&*db, 3)
            .await
            .unwrap(),
    );

    let size = PageSize::new(3).unwrap();
    let mut listed = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = service::list_users(&*db, after, size).await.unwrap();
        pages += 1;
        assert!(page.accounts.len() <= 3);
        listed.extend(page.accounts);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(listed, created);
}

#[tokio::test]
async fn an_empty_database_lists_one_empty_last_page() {
    let db = database().await;
    let page = service::list_users(&*db, None, PageSize::default())
        .await
        .unwrap();
    assert!(page.accounts.is_empty());
    assert_eq!(page.next, None);
}

#[tokio::test]
async fn a_full_last_page_says_there_is_no_next_page() {
    let db = database().await;
    UserFactory::new().create_many(&*db, 2).await.unwrap();
    let page = service::list_users(&*db, None, PageSize::new(2).unwrap())
        .await
        .unwrap();
    assert_eq!(page.accounts.len(), 2);
    assert_eq!(page.next, None);
}

#[test]
fn a_page_size_is_from_one_to_a_thousand() {
    assert!(matches!(PageSize::new(0), Err(Error::InvalidPageSize(0))));
    assert!(matches!(
        PageSize::new(1001),
        Err(Error::InvalidPageSize(1001))
    ));
    assert!(matches!(
        PageSize::new(u64::MAX),
        Err(Error::InvalidPageSize(u64::MAX))
    ));
    assert_eq!(PageSize::new(1000).unwrap().get(), 1000);
    assert_eq!(PageSize::new(1).unwrap().get(), 1);
}
