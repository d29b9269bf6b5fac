//! The repositories' contract, run against every database backend: the same
//! calls must give the same answers on SQLite, PostgreSQL and MariaDB/MySQL.
//! Needs a freshly migrated, empty database (the first account becomes admin).

use std::sync::Arc;

use serde_json::json;

use fotobase::ErrorKind;
use fotobase_auth::clock::ManualClock;
use fotobase_store::db::*;

const T0: i64 = 1_700_000_000;

/// Run every check; panics with the failing expectation.
pub async fn run(db: &Db) {
    let clock = Arc::new(ManualClock::new(T0));
    users(db, clock.clone()).await;
    images(db, clock.clone()).await;
    folders(db, clock.clone()).await;
    algorithms(db).await;
}

fn new_user(n: u32) -> NewUser {
    NewUser {
        email_cipher: format!("fbe1:k:cipher{n}"),
        email_index: format!("index{n}"),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        display_name: format!("User {n}"),
    }
}

async fn users(db: &Db, clock: Arc<ManualClock>) {
    let users = Users::new(db.clone()).with_clock(clock.clone());
    let first = users.create(&new_user(1)).await.expect("create first account");
    assert_eq!(first.roles, vec![ADMIN, USER], "the first account is admin");
    assert_eq!(first.created_at, T0);
    let second = users.create(&new_user(2)).await.unwrap();
    assert_eq!(second.roles, vec![USER]);
    let dup = users.create(&new_user(1)).await.unwrap_err();
    assert_eq!(dup.kind(), ErrorKind::AlreadyExists, "same blind index twice");
    assert_eq!(users.by_email_index("index2").await.unwrap().unwrap().id, second.id);
    assert!(users.by_email_index("nobody").await.unwrap().is_none());
    assert_eq!(users.get(-1).await.unwrap_err().kind(), ErrorKind::NotFound);

    clock.advance(10);
    let prefs = json!({"theme": "dark", "grid": 4});
    let updated = users
        .update_profile(
            second.id,
            &ProfileUpdate {
                display_name: Some("  Ada  ".into()),
                avatar_image_id: Some(Some(7)),
                preferences: Some(prefs.clone()),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (updated.display_name.as_str(), updated.avatar_image_id, &updated.preferences),
        ("Ada", Some(7), &prefs)
    );
    let cleared = users
        .update_profile(second.id, &ProfileUpdate { avatar_image_id: Some(None), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(
        (cleared.display_name.as_str(), cleared.avatar_image_id),
        ("Ada", None),
        "untouched fields keep their value"
    );
    let bad = ProfileUpdate { preferences: Some(json!([1])), ..Default::default() };
    assert_eq!(users.update_profile(second.id, &bad).await.unwrap_err().kind(), ErrorKind::InvalidArgument);
    let bad = ProfileUpdate { display_name: Some("x".repeat(201)), ..Default::default() };
    assert_eq!(users.update_profile(second.id, &bad).await.unwrap_err().kind(), ErrorKind::InvalidArgument);

    users.set_password_hash(second.id, "$argon2id$new").await.unwrap();
    assert_eq!(users.get(second.id).await.unwrap().password_hash, "$argon2id$new");
    assert!(users.set_disabled(second.id, true).await.unwrap().disabled_at.is_some());
    assert!(users.set_disabled(second.id, false).await.unwrap().disabled_at.is_none());

    assert!(users.grant_role(second.id, ADMIN).await.unwrap().is_admin());
    assert!(users.grant_role(second.id, ADMIN).await.unwrap().is_admin(), "granting twice is fine");
    assert_eq!(users.grant_role(second.id, "wizard").await.unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert!(!users.revoke_role(first.id, ADMIN).await.unwrap().is_admin());
    let last = users.revoke_role(second.id, ADMIN).await.unwrap_err();
    assert_eq!(last.kind(), ErrorKind::Conflict, "the last admin stays admin");
    assert_eq!(users.role_names().await.unwrap(), vec![ADMIN, USER]);

    for n in 3..8 {
        users.create(&new_user(n)).await.unwrap();
    }
    assert_eq!(users.count().await.unwrap(), 7);
    let p1 = users.list(None, 3).await.unwrap();
    assert_eq!(p1.items.len(), 3);
    let p2 = users.list(p1.next_cursor.as_deref(), 3).await.unwrap();
    let p3 = users.list(p2.next_cursor.as_deref(), 3).await.unwrap();
    assert_eq!((p2.items.len(), p3.items.len(), p3.next_cursor.as_deref()), (3, 1, None));
    let mut ids: Vec<i64> = [p1.items, p2.items, p3.items].concat().iter().map(|u| u.id).collect();
    let n = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), n, "keyset pages never repeat a row");
    assert_eq!(users.list(Some("garbage"), 3).await.unwrap_err().kind(), ErrorKind::InvalidArgument);

    users.delete(first.id).await.unwrap();
    assert_eq!(users.get(first.id).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert!(users.roles_of(first.id).await.unwrap().is_empty(), "roles go with the account");
    assert_eq!(users.delete(first.id).await.unwrap_err().kind(), ErrorKind::NotFound);
}

/// Insert an image row directly (blob ordering is `storage::media`'s contract).
async fn add_image(images: &Images, owner: i64, name: &str, taken: Option<i64>, tags: &[&str], vis: Visibility) -> i64 {
    let new = NewImage {
        owner_id: owner,
        name: name.into(),
        format: "jpeg".into(),
        width: 640,
        height: 480,
        orientation: 1,
        taken_at: taken,
        // Photos with a date carry camera facts in these cases; the text is stored as given.
        photo_metadata: taken.map(|_| r#"{"make":"Canon","model":"EOS 5D"}"#.to_owned()),
        visibility: vis,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        idempotency_key: None,
    };
    let mut tx = images.db().pool().begin().await.unwrap();
    let id = images.insert(&mut tx, &new, &format!("cas/aa/bb/{name}"), "00", 1000).await.unwrap();
    tx.commit().await.unwrap();
    id
}

async fn add_version(images: &Images, image: i64, algorithm: &str, bytes: u64, s2: f64) -> i64 {
    let new = NewVersion {
        image_id: image,
        algorithm: algorithm.into(),
        params: json!({"quality": 80}),
        format: "webp".into(),
        width: 640,
        height: 480,
        metrics: json!({"ssimulacra2": s2, "psnr": 40.0}),
        job_id: None,
    };
    let mut tx = images.db().pool().begin().await.unwrap();
    let id = images.insert_version(&mut tx, &new, &format!("cas/cc/dd/{image}{algorithm}"), bytes).await.unwrap();
    tx.commit().await.unwrap();
    id
}

async fn images(db: &Db, clock: Arc<ManualClock>) {
    clock.set(T0);
    let images = Images::new(db.clone()).with_clock(clock.clone());
    let (alice, bob) = (1001, 1002);
    let beach = add_image(
        &images,
        alice,
        "Beach 50%_off.jpg",
        Some(T0 - 86_400 * 30),
        &["Beach", "summer"],
        Visibility::Public,
    )
    .await;
    clock.advance(1);
    let city = add_image(&images, alice, "city.jpg", None, &["city", "summer"], Visibility::Private).await;
    clock.advance(1);
    let forest = add_image(&images, alice, "forest.png", Some(T0 - 86_400), &["nature"], Visibility::Private).await;
    let other = add_image(&images, bob, "bob.jpg", None, &["summer"], Visibility::Public).await;

    let img = images.get(beach).await.unwrap();
    assert_eq!((img.owner_id, img.width, img.height, img.bytes), (alice, 640, 480, 1000));
    assert_eq!(img.tags, vec!["beach", "summer"], "tags are normalised");
    assert_eq!(img.captured_at, T0 - 86_400 * 30, "captured_at is taken_at when known");
    assert_eq!(img.photo_metadata.as_deref(), Some(r#"{"make":"Canon","model":"EOS 5D"}"#));
    assert_eq!(images.get(city).await.unwrap().captured_at, T0 + 1, "else the upload time");
    assert_eq!(images.get(city).await.unwrap().photo_metadata, None);
    assert_eq!(img.status, ImageStatus::Processing);
    images.set_status(beach, ImageStatus::Ready).await.unwrap();
    assert_eq!(images.get(beach).await.unwrap().status, ImageStatus::Ready);

    let ids = |p: &Page<Image>| p.items.iter().map(|i| i.id).collect::<Vec<_>>();
    let list = |f: ImageFilter| {
        let images = images.clone();
        async move { images.list(&f).await.unwrap() }
    };
    let mine = ImageFilter { owner_id: Some(alice), ..Default::default() };
    assert_eq!(ids(&list(mine.clone()).await), vec![city, forest, beach], "newest captured first");
    assert_eq!(
        ids(&list(ImageFilter { name: Some("50%_".into()), ..mine.clone() }).await),
        vec![beach],
        "wildcards are literal"
    );
    assert_eq!(
        ids(&list(ImageFilter { name: Some("CITY".into()), ..mine.clone() }).await),
        vec![city],
        "names match case-insensitively"
    );
    assert!(list(ImageFilter { name: Some("b_ach".into()), ..mine.clone() }).await.items.is_empty());
    let any = ImageFilter { tags_any: vec!["nature".into(), "city".into()], ..mine.clone() };
    assert_eq!(ids(&list(any).await), vec![city, forest]);
    let all = ImageFilter { tags_all: vec!["summer".into(), "beach".into()], ..mine.clone() };
    assert_eq!(ids(&list(all).await), vec![beach]);
    let range = ImageFilter { from: Some(T0 - 86_400 * 2), to: Some(T0), ..mine.clone() };
    assert_eq!(ids(&list(range).await), vec![forest]);
    let public = ImageFilter { visibility: Some(Visibility::Public), ..Default::default() };
    let mut pub_ids = ids(&list(public).await);
    pub_ids.sort();
    assert_eq!(pub_ids, vec![beach, other]);
    let p1 = list(ImageFilter { limit: 2, ..mine.clone() }).await;
    let p2 = list(ImageFilter { limit: 2, cursor: p1.next_cursor.clone(), ..mine.clone() }).await;
    assert_eq!((ids(&p1), ids(&p2), p2.next_cursor), (vec![city, forest], vec![beach], None));
    assert_eq!(
        images.list(&ImageFilter { cursor: Some("x".into()), ..mine.clone() }).await.unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );

    // Every order, walked a row at a time: the keyset continues where the last page ended, ties
    // (every image here has 1000 bytes) fall back to the id in the same direction.
    let walk = |sort: ImageSort, descending: Option<bool>| {
        let images = images.clone();
        async move {
            let (mut seen, mut cursor) = (Vec::new(), None);
            loop {
                let f = ImageFilter { owner_id: Some(alice), sort, descending, limit: 1, cursor, ..Default::default() };
                let page = images.list(&f).await.unwrap();
                seen.extend(page.items.iter().map(|i| i.id));
                match page.next_cursor {
                    Some(c) => cursor = Some(c),
                    None => break seen,
                }
            }
        }
    };
    assert_eq!(walk(ImageSort::TakenAt, None).await, vec![city, forest, beach]);
    assert_eq!(walk(ImageSort::TakenAt, Some(false)).await, vec![beach, forest, city], "oldest first");
    assert_eq!(walk(ImageSort::UploadedAt, None).await, vec![forest, city, beach]);
    assert_eq!(walk(ImageSort::Name, None).await, vec![beach, city, forest], "names A to Z");
    assert_eq!(walk(ImageSort::Name, Some(true)).await, vec![forest, city, beach]);
    assert_eq!(walk(ImageSort::Bytes, None).await, vec![forest, city, beach], "equal sizes: newest id first");
    assert_eq!(walk(ImageSort::Bytes, Some(false)).await, vec![beach, city, forest]);
    let by_name = list(ImageFilter { sort: ImageSort::Name, limit: 1, ..mine.clone() }).await;
    let elsewhere = ImageFilter { sort: ImageSort::Bytes, cursor: by_name.next_cursor, ..mine.clone() };
    assert_eq!(images.list(&elsewhere).await.unwrap_err().kind(), ErrorKind::InvalidArgument, "another order's cursor");
    assert_eq!(ImageSort::parse("size").unwrap_err().kind(), ErrorKind::InvalidArgument);

    let renamed = images
        .update(
            city,
            &ImageUpdate {
                name: Some("town.jpg".into()),
                visibility: Some(Visibility::Public),
                tags: Some(vec!["Town".into()]),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.visibility, renamed.tags.clone()),
        ("town.jpg", Visibility::Public, vec!["town".to_string()])
    );
    let bad = ImageUpdate { name: Some(" ".into()), ..Default::default() };
    assert_eq!(images.update(city, &bad).await.unwrap_err().kind(), ErrorKind::InvalidArgument);

    let v1 = add_version(&images, beach, "webp-lossy", 400, 80.0).await;
    let v2 = add_version(&images, beach, "avif-rav1e", 300, 70.0).await;
    let v3 = add_version(&images, forest, "webp-lossy", 1200, 90.0).await;
    let vs = images.versions(beach).await.unwrap();
    assert_eq!(vs.iter().map(|v| v.id).collect::<Vec<_>>(), vec![v1, v2]);
    assert_eq!((vs[0].ssimulacra2, vs[0].params["quality"].as_i64()), (Some(80.0), Some(80)));
    assert_eq!(images.version(v3).await.unwrap().image_id, forest);

    let cmp = images.add_comparison(beach, None, v2, &json!({"ssim": 0.98})).await.unwrap();
    images.add_comparison(beach, Some(v1), v2, &json!({"ssim": 0.99})).await.unwrap();
    let wrong = images.add_comparison(beach, None, v3, &json!({})).await.unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::InvalidArgument, "versions of another image");
    let cmps = images.comparisons(beach).await.unwrap();
    assert_eq!((cmps.len(), cmps[0].id, cmps[0].metrics["ssim"].as_f64()), (2, cmp.id, Some(0.98)));

    let s = images.stats(Some(alice)).await.unwrap();
    assert_eq!((s.images, s.bytes_stored, s.versions, s.version_bytes), (3, 3000, 3, 1900));
    let webp = s.by_algorithm.iter().find(|a| a.algorithm == "webp-lossy").unwrap();
    assert_eq!((webp.versions, webp.bytes_in, webp.bytes_out, webp.bytes_saved), (2, 2000, 1600, 400));
    assert!((webp.mean_ssimulacra2.unwrap() - 85.0).abs() < 1e-9);
    let avif = s.by_algorithm.iter().find(|a| a.algorithm == "avif-rav1e").unwrap();
    assert_eq!((avif.bytes_saved, avif.mean_ssimulacra2), (700, Some(70.0)));
    let g = images.stats(None).await.unwrap();
    assert_eq!((g.images, g.versions), (4, 3), "global stats include every owner");
    assert_eq!(images.stats(Some(99_999)).await.unwrap().by_algorithm, vec![], "a user with nothing");
    assert_eq!(images.ids_of_owner(bob).await.unwrap(), vec![other]);
}

async fn folders(db: &Db, clock: Arc<ManualClock>) {
    clock.set(T0);
    let folders = Folders::new(db.clone()).with_clock(clock.clone());
    let images = Images::new(db.clone()).with_clock(clock.clone());
    let (carol, dave) = (2001, 2002);
    let a = add_image(&images, carol, "a.jpg", None, &[], Visibility::Private).await;
    let b = add_image(&images, carol, "b.jpg", None, &[], Visibility::Private).await;
    let daves = add_image(&images, dave, "d.jpg", None, &[], Visibility::Private).await;

    let new = |name: &str, parent: Option<i64>, tags: &[&str]| NewFolder {
        owner_id: carol,
        name: name.into(),
        visibility: Visibility::Private,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        parent_id: parent,
    };
    let trips = folders.create(&new("Trips", None, &["travel"])).await.unwrap();
    let italy = folders.create(&new("Italy 2024", Some(trips.id), &["travel", "italy"])).await.unwrap();
    let misc = folders.create(&new("Misc", None, &[])).await.unwrap();
    assert_eq!(
        (italy.parent_id, italy.tags.clone()),
        (Some(trips.id), vec!["italy".to_string(), "travel".to_string()])
    );
    let foreign = NewFolder { owner_id: dave, ..new("x", Some(trips.id), &[]) };
    assert_eq!(
        folders.create(&foreign).await.unwrap_err().kind(),
        ErrorKind::InvalidArgument,
        "parent of another owner"
    );
    let cycle = FolderUpdate { parent_id: Some(Some(italy.id)), ..Default::default() };
    assert_eq!(folders.update(trips.id, &cycle).await.unwrap_err().kind(), ErrorKind::InvalidArgument, "no cycles");
    let mut parent = misc.id;
    let mut depth_err = None;
    for i in 0..MAX_DEPTH + 1 {
        match folders.create(&new(&format!("d{i}"), Some(parent), &[])).await {
            Ok(f) => parent = f.id,
            Err(e) => {
                depth_err = Some(e.kind());
                break;
            }
        }
    }
    assert_eq!(depth_err, Some(ErrorKind::LimitExceeded), "nesting is bounded");

    assert_eq!(folders.add_images(italy.id, &[a, b]).await.unwrap(), 2);
    assert_eq!(folders.add_images(italy.id, &[a]).await.unwrap(), 0, "adding twice is a no-op");
    assert_eq!(folders.add_images(italy.id, &[daves]).await.unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(folders.get(italy.id).await.unwrap().image_count, 2);
    let inside = images.list(&ImageFilter { folder_id: Some(italy.id), ..Default::default() }).await.unwrap();
    assert_eq!(inside.items.len(), 2);
    assert!(folders.has_image(italy.id, b).await.unwrap());
    assert_eq!(folders.remove_images(italy.id, &[b, daves]).await.unwrap(), 1);
    assert!(!folders.has_image(italy.id, b).await.unwrap(), "removed");
    assert!(!folders.has_image(italy.id, daves).await.unwrap(), "never there");

    let list = |f: FolderFilter| {
        let folders = folders.clone();
        async move { folders.list(&f).await.unwrap().items.iter().map(|f| f.id).collect::<Vec<_>>() }
    };
    let mine = FolderFilter { owner_id: Some(carol), ..Default::default() };
    assert_eq!(list(FolderFilter { name: Some("ital".into()), ..mine.clone() }).await, vec![italy.id]);
    assert_eq!(list(FolderFilter { tags_any: vec!["travel".into()], ..mine.clone() }).await, vec![trips.id, italy.id]);
    assert_eq!(
        list(FolderFilter { tags_all: vec!["travel".into(), "italy".into()], ..mine.clone() }).await,
        vec![italy.id]
    );
    assert_eq!(list(FolderFilter { parent_id: Some(trips.id), ..mine.clone() }).await, vec![italy.id]);
    let page = folders.list(&FolderFilter { limit: 2, ..mine.clone() }).await.unwrap();
    let rest = folders.list(&FolderFilter { cursor: page.next_cursor.clone(), ..mine.clone() }).await.unwrap();
    assert_eq!(page.items.len() + rest.items.len(), 3 + MAX_DEPTH - 1);

    let public = folders
        .update(
            italy.id,
            &FolderUpdate { visibility: Some(Visibility::Public), name: Some("Italia".into()), ..Default::default() },
        )
        .await
        .unwrap();
    assert_eq!((public.visibility, public.name.as_str(), public.tags.len()), (Visibility::Public, "Italia", 2));

    // Share links.
    let link = folders
        .create_share(carol, ShareTarget::Folder(italy.id), "hash-1", Some("$argon2id$pw"), Some(T0 + 3600))
        .await
        .unwrap();
    assert!(link.has_password);
    assert_eq!(folders.open_share("hash-1").await.unwrap().target, ShareTarget::Folder(italy.id));
    assert_eq!(folders.open_share("nope").await.unwrap_err().kind(), ErrorKind::NotFound);
    let dup = folders.create_share(carol, ShareTarget::Image(a), "hash-1", None, None).await.unwrap_err();
    assert_eq!(dup.kind(), ErrorKind::AlreadyExists);
    let theirs = folders.create_share(dave, ShareTarget::Folder(italy.id), "hash-2", None, None).await.unwrap_err();
    assert_eq!(theirs.kind(), ErrorKind::NotFound, "only the owner shares");
    let past = folders.create_share(carol, ShareTarget::Image(a), "hash-3", None, Some(T0 - 1)).await.unwrap_err();
    assert_eq!(past.kind(), ErrorKind::InvalidArgument);
    folders.create_share(carol, ShareTarget::Image(a), "hash-4", None, None).await.unwrap();
    assert_eq!(folders.shares_of(carol).await.unwrap().len(), 2);
    assert_eq!(folders.revoke_share(dave, "hash-4").await.unwrap_err().kind(), ErrorKind::NotFound);
    folders.revoke_share(carol, "hash-4").await.unwrap();
    assert_eq!(folders.open_share("hash-4").await.unwrap_err().kind(), ErrorKind::NotFound, "revoked");
    clock.advance(3601);
    assert_eq!(folders.open_share("hash-1").await.unwrap_err().kind(), ErrorKind::NotFound, "expired");

    // Deleting a parent takes its sub-folders; images stay.
    folders.delete(trips.id).await.unwrap();
    assert_eq!(folders.get(italy.id).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(images.get(a).await.unwrap().id, a);
    assert!(folders.delete_for_owner(carol).await.unwrap() >= 1);
    assert!(folders.list(&mine).await.unwrap().items.is_empty());
    assert!(folders.shares_of(carol).await.unwrap().is_empty());
}

async fn algorithms(db: &Db) {
    let row = |name: &str| AlgorithmRow {
        name: name.into(),
        format: "webp".into(),
        lossless: false,
        description: "test".into(),
        enabled: true,
        retired: false,
    };
    let state = |all: Vec<AlgorithmRow>| all.into_iter().map(|a| (a.name, a.enabled, a.retired)).collect::<Vec<_>>();
    let s = |name: &str, enabled, retired| (name.to_owned(), enabled, retired);
    db.sync_algorithms(&[row("a"), row("b")]).await.unwrap();
    db.set_algorithm_enabled("b", false).await.unwrap();
    db.sync_algorithms(&[row("b"), row("c")]).await.unwrap();
    assert_eq!(
        state(db.algorithms().await.unwrap()),
        vec![s("a", true, true), s("b", false, false), s("c", true, false)],
        "retired algorithms stay; the admins' choice survives a restart; new ones start enabled"
    );
    assert_eq!(db.set_algorithm_enabled("a", true).await.unwrap_err().kind(), ErrorKind::NotFound, "retired");
    assert_eq!(db.set_algorithm_enabled("zz", true).await.unwrap_err().kind(), ErrorKind::NotFound);
    db.set_algorithm_enabled("b", true).await.unwrap();
    assert!(db.algorithms().await.unwrap().iter().all(|a| a.enabled));
}
