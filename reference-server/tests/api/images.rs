//! Uploads (raw and multipart, limits, hostile files), listing, downloads,
//! processing jobs, versions, comparisons and statistics.

use axum::body::Body;
use axum::http::{Method, header};
use serde_json::{Value, json};

use crate::harness::{App, corpus_file, multipart, photo};

/// A well-formed PNG (IHDR, a tiny IDAT, IEND, all with CRCs) claiming `w` × `h`
/// RGB pixels: a decompression-bomb header with almost nothing behind it.
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in
        [(&b"IHDR"[..], ihdr), (b"IDAT", vec![0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]), (b"IEND", vec![])]
    {
        let mut chunk = kind.to_vec();
        chunk.extend(&data);
        out.extend((data.len() as u32).to_be_bytes());
        out.extend(&chunk);
        out.extend(crc32(&chunk).to_be_bytes());
    }
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

#[tokio::test]
async fn upload_raw_and_multipart_then_download() {
    let app = App::new().await;
    let t = app.token("ann@example.com").await;
    let jpeg = photo(120, 80, "jpeg");
    let img = app
        .upload_raw(&t, jpeg.clone(), "image/jpeg", "?name=beach.jpg&tags=Beach,summer&visibility=public")
        .await
        .ok(201);
    assert!(id(&img).starts_with("img_"));
    assert_eq!(
        (img["format"].as_str(), img["width"].as_u64(), img["height"].as_u64()),
        (Some("jpeg"), Some(120), Some(80))
    );
    assert_eq!(img["name"], "beach.jpg");
    assert_eq!(img["tags"], json!(["beach", "summer"]));
    assert_eq!(img["visibility"], "public");
    assert_eq!(img["status"], "processing");
    assert_eq!(img["bytes"], jpeg.len());

    let png = photo(64, 48, "png");
    let (ct, body) = multipart(&png, "cat.png", &[("tags", "pets"), ("visibility", "private")]);
    let req = App::req(Method::POST, "/api/v1/images", Some(&t))
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body))
        .unwrap();
    let cat = app.send(req).await.ok(201);
    assert_eq!(cat["name"], "cat.png");
    assert_eq!(cat["format"], "png");

    let r = app.get(&format!("/api/v1/images/{}/original", id(&img)), Some(&t)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body.as_ref(), jpeg.as_slice(), "the original comes back byte for byte");
    assert_eq!(r.headers[header::CONTENT_TYPE], "image/jpeg");
    let etag = r.headers[header::ETAG].to_str().unwrap().to_owned();
    let again = App::req(Method::GET, &format!("/api/v1/images/{}/original", id(&img)), Some(&t))
        .header(header::IF_NONE_MATCH, &etag)
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(again).await.status, 304);

    // The thumbnail comes from a job.
    app.get(&format!("/api/v1/images/{}/thumbnail", id(&img)), Some(&t)).await.problem(404, "not_found");
    assert_eq!(app.drain().await, 2);
    let thumb = app.get(&format!("/api/v1/images/{}/thumbnail", id(&img)), Some(&t)).await;
    assert_eq!(thumb.status, 200);
    assert_eq!(thumb.headers[header::CONTENT_TYPE], "image/webp");
    let info = fotobase::image::probe(&thumb.body).unwrap();
    assert!(info.width <= 320 && info.height <= 320);
    let ready = app.get(&format!("/api/v1/images/{}", id(&img)), Some(&t)).await.ok(200);
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["has_thumbnail"], true);
}

#[tokio::test]
async fn hostile_uploads_get_clear_errors() {
    let app = App::with(|c| {
        c.max_upload_bytes = 200_000;
        c.max_pixels = 1_000_000;
    })
    .await;
    let t = app.token("ann@example.com").await;
    app.upload_raw(&t, b"hello, I am text".to_vec(), "image/png", "").await.problem(415, "unsupported_format");
    let mut truncated = photo(64, 64, "png");
    truncated.truncate(40);
    let r = app.upload_raw(&t, truncated, "image/png", "").await;
    assert!(matches!(r.status.as_u16(), 415 | 422), "{}", r.status);
    // A PNG header claiming 20000 × 20000 pixels: rejected before any pixel is decoded.
    let bomb = png_claiming(20_000, 20_000);
    app.upload_raw(&t, bomb, "image/png", "").await.problem(413, "limit_exceeded");
    app.upload_raw(&t, vec![0xFF; 300_000], "image/jpeg", "").await.problem(413, "limit_exceeded");
    app.upload_raw(&t, Vec::new(), "image/jpeg", "").await.problem(400, "invalid_argument");
    app.upload_raw(&t, photo(32, 32, "jpeg"), "text/plain", "").await.problem(415, "unsupported_format");
    app.upload_raw(&t, photo(32, 32, "jpeg"), "image/jpeg", "?visibility=secret")
        .await
        .problem(400, "invalid_argument");
    let (ct, body) = multipart(b"", "x", &[("colour", "red")]);
    let req = App::req(Method::POST, "/api/v1/images", Some(&t))
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body))
        .unwrap();
    app.send(req).await.problem(400, "invalid_argument");
    let req = App::req(Method::POST, "/api/v1/images", Some(&t))
        .header(header::CONTENT_TYPE, "multipart/form-data; boundary=zzz")
        .body(Body::from("--zzz\r\ngarbage"))
        .unwrap();
    app.send(req).await.problem(400, "invalid_argument");
    // Nothing was stored by any of that.
    assert_eq!(app.state.images().stats(None).await.unwrap().images, 0);
    // A corrupt file that sniffs fine fails its thumbnail job, not the server.
    let mut broken = photo(64, 64, "jpeg");
    broken.truncate(broken.len() / 2);
    let img = app.upload_raw(&t, broken, "image/jpeg", "").await.ok(201);
    app.drain().await;
    assert_eq!(app.get(&format!("/api/v1/images/{}", id(&img)), Some(&t)).await.ok(200)["status"], "failed");
}

/// Files that are not images are refused whatever they claim to be; an image with a page or
/// an archive appended (a polyglot) is stored, but only ever served as an image, as an
/// attachment, unsniffable and sandboxed; names cannot climb out of anything.
#[tokio::test]
async fn non_images_are_refused_and_polyglots_are_served_inert() {
    let app = App::new().await;
    let t = app.token("ann@example.com").await;
    let html = b"<!doctype html><html><body><script>fetch('/api/v1/users/me')</script></body></html>".to_vec();
    let svg = br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>"#.to_vec();
    let zip = [b"PK\x03\x04\x14\0\0\0\x08\0".as_slice(), &[0; 40], b"PK\x05\x06", &[0; 18]].concat();
    let pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec();
    for (bytes, claimed) in [
        (&html, "text/html"),
        (&html, "image/png"),
        (&svg, "image/svg+xml"),
        (&zip, "application/zip"),
        (&zip, "image/jpeg"),
        (&pdf, "image/webp"),
    ] {
        app.upload_raw(&t, bytes.clone(), claimed, "").await.problem(415, "unsupported_format");
        let (ct, body) = multipart(bytes, "holiday.jpg", &[]);
        let req = App::req(Method::POST, "/api/v1/images", Some(&t))
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap();
        app.send(req).await.problem(415, "unsupported_format");
    }
    assert_eq!(app.state.images().stats(None).await.unwrap().images, 0);

    // Declared as a page, even a real image is refused.
    app.upload_raw(&t, photo(40, 30, "jpeg"), "text/html", "").await.problem(415, "unsupported_format");
    // A real JPEG with HTML and a zip after its end-of-image marker, under a path-climbing,
    // control-character name.
    let polyglot = [photo(40, 30, "jpeg").as_slice(), &html, &zip].concat();
    let img = app
        .upload_raw(&t, polyglot.clone(), "application/octet-stream", "?name=..%2F..%2Fetc%2Fpass%0Awd.html")
        .await
        .ok(201);
    assert_eq!((img["format"].as_str(), img["name"].as_str()), (Some("jpeg"), Some("passwd.html")));
    let back = app.get(&format!("/api/v1/images/{}/original", id(&img)), Some(&t)).await;
    assert_eq!(back.status, 200);
    assert_eq!(back.body.as_ref(), polyglot.as_slice(), "stored byte for byte");
    let h =
        |name: header::HeaderName| back.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(h(header::CONTENT_TYPE), "image/jpeg");
    assert_eq!(h(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert!(
        h(header::CONTENT_DISPOSITION).starts_with("attachment; filename=\"passwd.html\""),
        "{}",
        h(header::CONTENT_DISPOSITION)
    );
    assert!(h(header::CONTENT_SECURITY_POLICY).contains("sandbox"), "{}", h(header::CONTENT_SECURITY_POLICY));

    // Renditions are fotobase's own encodes: inline is fine, and a non-ASCII name survives as
    // RFC 5987 `filename*`.
    let img = app.upload_raw(&t, photo(64, 48, "png"), "image/png", "?name=%C3%A9t%C3%A9%20%22x%22.png").await.ok(201);
    app.drain().await;
    let thumb = app.get(&format!("/api/v1/images/{}/thumbnail", id(&img)), Some(&t)).await;
    assert_eq!(thumb.status, 200);
    let cd = thumb.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert_eq!(
        cd,
        "inline; filename=\"t x.png.thumbnail.webp\"; filename*=UTF-8''%C3%A9t%C3%A9%20%22x%22.png.thumbnail.webp"
    );
}

/// The bindings' hostile cases (testdata/cases/hostile.json) as uploads: refused at once with
/// the case's code when the header shows it, otherwise stored and then failed by the thumbnail
/// job with it (the decode happens there); the polyglot is processed like any photo.
#[tokio::test]
async fn hostile_cases_through_the_upload_endpoint() {
    use base64::Engine as _;
    let app = App::new().await;
    let t = app.token("ann@example.com").await;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/cases/hostile.json");
    let cases: Vec<Value> = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let mut seen = std::collections::HashSet::new();
    let mut tried = 0;
    for case in &cases {
        let Some(b64) = case["input"]["base64"].as_str() else { continue };
        if !seen.insert(b64.to_owned()) {
            continue; // the same input under another op
        }
        let data = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
        // A code, or a list of codes any of which will do.
        let want: Option<Vec<&str>> = match &case["expect_error"] {
            Value::String(code) => Some(vec![code.as_str()]),
            Value::Array(codes) => Some(codes.iter().filter_map(Value::as_str).collect()),
            _ => None,
        };
        let res = app.upload_raw(&t, data, "application/octet-stream", "").await;
        let name = case["name"].as_str().unwrap();
        match (res.status.as_u16(), &want) {
            (201, _) => {
                app.drain().await;
                let img = app.get(&format!("/api/v1/images/{}", id(&res.json())), Some(&t)).await.ok(200);
                let status = if want.is_some() { "failed" } else { "ready" };
                assert_eq!(img["status"], status, "{name}: {img}");
            }
            (s, Some(codes)) => {
                let code = res.json()["code"].as_str().unwrap_or_default().to_owned();
                let body = res.problem(s, &code);
                assert!(codes.contains(&code.as_str()), "{name}: {code} is none of {codes:?}: {body}");
                assert!(matches!(s, 413 | 415 | 422), "{name}: {s} {body}");
            }
            (s, None) => panic!("{name}: {s} {:?}", res.body),
        }
        tried += 1;
    }
    assert!(tried >= 15, "only {tried} hostile inputs");
}

/// Past `upload_memory_bytes`, uploads stream into the blob store (hashed and size-checked on the
/// way); they come back byte for byte, and refused ones leave nothing staged behind.
#[tokio::test]
async fn large_uploads_stream_to_the_blob_store() {
    let app = App::with(|c| {
        c.upload_memory_bytes = 2048;
        c.max_upload_bytes = 400_000;
    })
    .await;
    let t = app.token("ann@example.com").await;
    let staged_left = || async { app.state.media.blobs().list("tmp").await.unwrap().len() };

    let jpeg = photo(300, 200, "jpeg");
    assert!(jpeg.len() > 2048);
    let img = app.upload_raw(&t, jpeg.clone(), "image/jpeg", "?name=big.jpg").await.ok(201);
    assert_eq!((img["bytes"].as_u64(), img["width"].as_u64()), (Some(jpeg.len() as u64), Some(300)));
    let back = app.get(&format!("/api/v1/images/{}/original", id(&img)), Some(&t)).await;
    assert_eq!(back.body.as_ref(), jpeg.as_slice());
    assert_eq!(img["sha256"], fotobase_sha256(&jpeg));

    let png = photo(200, 150, "png");
    let (ct, body) = multipart(&png, "big.png", &[("tags", "large")]);
    let req = App::req(Method::POST, "/api/v1/images", Some(&t))
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body))
        .unwrap();
    let big = app.send(req).await.ok(201);
    assert_eq!((big["format"].as_str(), big["tags"].clone()), (Some("png"), json!(["large"])));
    let back = app.get(&format!("/api/v1/images/{}/original", id(&big)), Some(&t)).await;
    assert_eq!(back.body.as_ref(), png.as_slice());

    app.upload_raw(&t, vec![0xFF; 500_000], "image/jpeg", "").await.problem(413, "limit_exceeded");
    app.upload_raw(&t, vec![0xAB; 100_000], "image/png", "").await.problem(415, "unsupported_format");
    let (ct, body) = multipart(&jpeg, "x.jpg", &[("colour", "red")]);
    let req = App::req(Method::POST, "/api/v1/images", Some(&t))
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body))
        .unwrap();
    app.send(req).await.problem(400, "invalid_argument");
    assert_eq!(staged_left().await, 0, "staged uploads are discarded, stored or refused");
    assert_eq!(app.state.images().stats(None).await.unwrap().images, 2);
}

fn fotobase_sha256(data: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn list_filters_and_pages() {
    let app = App::new().await;
    let t = app.token("ann@example.com").await;
    for (name, tags) in [("beach-1.jpg", "beach,summer"), ("beach-2.jpg", "beach"), ("city.jpg", "city")] {
        app.upload(&t, "jpeg", &format!("?name={name}&tags={tags}")).await;
    }
    let names = |v: &Value| {
        v["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    let all = app.get("/api/v1/images", Some(&t)).await.ok(200);
    assert_eq!(names(&all).len(), 3);
    // Each listed image carries its own tags, sorted (read with the page in one query).
    let mut tags: Vec<(String, Value)> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["name"].as_str().unwrap().to_owned(), i["tags"].clone()))
        .collect();
    tags.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        tags,
        [
            ("beach-1.jpg".to_owned(), json!(["beach", "summer"])),
            ("beach-2.jpg".to_owned(), json!(["beach"])),
            ("city.jpg".to_owned(), json!(["city"])),
        ]
    );
    assert_eq!(names(&app.get("/api/v1/images?name=BEACH", Some(&t)).await.ok(200)).len(), 2);
    assert_eq!(names(&app.get("/api/v1/images?tag=beach,summer", Some(&t)).await.ok(200)), ["beach-1.jpg"]);
    assert_eq!(names(&app.get("/api/v1/images?any_tag=city,summer", Some(&t)).await.ok(200)).len(), 2);
    assert_eq!(names(&app.get("/api/v1/images?from=2999-01-01", Some(&t)).await.ok(200)).len(), 0);
    assert_eq!(names(&app.get("/api/v1/images?to=2999-01-01T00:00:00Z", Some(&t)).await.ok(200)).len(), 3);
    app.get("/api/v1/images?from=yesterday", Some(&t)).await.problem(400, "invalid_argument");
    app.get("/api/v1/images?limit=many", Some(&t)).await.problem(400, "invalid_argument");
    app.get("/api/v1/images?cursor=%%%", Some(&t)).await.problem(400, "invalid_argument");
    let p1 = app.get("/api/v1/images?limit=2", Some(&t)).await.ok(200);
    assert_eq!(names(&p1).len(), 2, "a page counts images, not image-tag rows");
    let p2 = app
        .get(&format!("/api/v1/images?limit=2&cursor={}", p1["next_cursor"].as_str().unwrap()), Some(&t))
        .await
        .ok(200);
    let mut seen = names(&p1);
    seen.extend(names(&p2));
    seen.sort();
    assert_eq!(seen, ["beach-1.jpg", "beach-2.jpg", "city.jpg"]);
    assert!(p2["next_cursor"].is_null());
    // Sorted on the server, a page at a time, in either direction.
    let by_name = app.get("/api/v1/images?sort=name&limit=2", Some(&t)).await.ok(200);
    assert_eq!(names(&by_name), ["beach-1.jpg", "beach-2.jpg"]);
    let next = by_name["next_cursor"].as_str().unwrap();
    let rest = app.get(&format!("/api/v1/images?sort=name&limit=2&cursor={next}"), Some(&t)).await.ok(200);
    assert_eq!(names(&rest), ["city.jpg"]);
    app.get(&format!("/api/v1/images?sort=bytes&cursor={next}"), Some(&t)).await.problem(400, "invalid_argument");
    let z_to_a = app.get("/api/v1/images?sort=name&order=desc", Some(&t)).await.ok(200);
    assert_eq!(names(&z_to_a), ["city.jpg", "beach-2.jpg", "beach-1.jpg"]);
    let uploaded = app.get("/api/v1/images?sort=uploaded_at&order=asc", Some(&t)).await.ok(200);
    assert_eq!(names(&uploaded).len(), 3);
    let sizes = app.get("/api/v1/images?sort=bytes", Some(&t)).await.ok(200);
    let bytes: Vec<i64> = sizes["items"].as_array().unwrap().iter().map(|i| i["bytes"].as_i64().unwrap()).collect();
    assert!(bytes.windows(2).all(|w| w[0] >= w[1]), "largest first: {bytes:?}");
    app.get("/api/v1/images?sort=size", Some(&t)).await.problem(400, "invalid_argument");
    app.get("/api/v1/images?order=up", Some(&t)).await.problem(400, "invalid_argument");
    // Someone else sees none of them.
    let bob = app.token("bob@example.com").await;
    assert_eq!(names(&app.get("/api/v1/images", Some(&bob)).await.ok(200)).len(), 0);
}

#[tokio::test]
async fn edit_and_delete() {
    let app = App::new().await;
    let t = app.token("ann@example.com").await;
    let img = app.upload(&t, "jpeg", "").await;
    let path = format!("/api/v1/images/{}", id(&img));
    let edited = app
        .patch(&path, Some(&t), json!({"name": "renamed.jpg", "tags": ["a", "B"], "visibility": "public"}))
        .await
        .ok(200);
    assert_eq!((edited["name"].as_str(), edited["tags"].clone()), (Some("renamed.jpg"), json!(["a", "b"])));
    app.patch(&path, Some(&t), json!({"name": ""})).await.problem(400, "invalid_argument");
    app.patch(&path, Some(&t), json!({"visibility": "hidden"})).await.problem(400, "invalid_argument");
    app.delete(&path, Some(&t)).await.ok(204);
    app.get(&path, Some(&t)).await.problem(404, "not_found");
    app.delete(&path, Some(&t)).await.problem(404, "not_found");
    app.get("/api/v1/images/img_notreal", Some(&t)).await.problem(404, "not_found");
    app.get("/api/v1/images/fld_0000000000000000000000000", Some(&t)).await.problem(404, "not_found");
}

#[tokio::test]
async fn process_compare_compare_all_and_stats() {
    let app = App::new().await;
    let t = app.token("ann@example.com").await;
    let img = app.upload_raw(&t, photo(160, 120, "png"), "image/png", "").await.ok(201);
    let base = format!("/api/v1/images/{}", id(&img));

    // Bad options are refused before anything is queued.
    app.post(&format!("{base}/process"), Some(&t), json!({"algorithm": "gif-magic"}))
        .await
        .problem(400, "invalid_argument");
    app.post(&format!("{base}/process"), Some(&t), json!({"format": "webp", "quality": 80, "target": "ssim>=0.9"}))
        .await
        .problem(400, "invalid_argument");
    app.post(&format!("{base}/process"), Some(&t), json!({"format": "webp", "colour": 1}))
        .await
        .problem(400, "invalid_argument");
    app.post(&format!("{base}/process"), Some(&t), json!({"format": "webp", "max_encodes": 1000}))
        .await
        .problem(400, "invalid_argument");
    app.post(&format!("{base}/process"), Some(&t), json!([1, 2])).await.problem(400, "invalid_argument");
    app.post(&format!("{base}/compare-all"), Some(&t), json!({"target": "loudness>=3"}))
        .await
        .problem(400, "invalid_argument");

    let accepted = app
        .post(
            &format!("{base}/process"),
            Some(&t),
            json!({"format": "avif", "target": {"metric": "ssimulacra2", "value": 60}, "resize": {"width": 80}}),
        )
        .await;
    let job_id = accepted.ok(202)["job_id"].as_str().unwrap().to_owned();
    assert_eq!(accepted.headers[header::LOCATION], format!("/api/v1/jobs/{job_id}").as_str());
    let queued = app.get(&format!("/api/v1/jobs/{job_id}"), Some(&t)).await.ok(200);
    assert_eq!(queued["state"], "queued");
    app.drain().await;
    let done = app.get(&format!("/api/v1/jobs/{job_id}"), Some(&t)).await.ok(200);
    assert_eq!(done["state"], "succeeded", "{done}");
    let result = &done["result"];
    assert_eq!(result["format"], "avif");
    assert_eq!(result["width"], 80);
    assert!(result["metrics"]["ssimulacra2"].as_f64().unwrap() >= 60.0, "{result}");
    let version = result["version_id"].as_str().unwrap().to_owned();

    let versions = app.get(&format!("{base}/versions"), Some(&t)).await.ok(200);
    assert_eq!(versions.as_array().unwrap().len(), 1);
    assert_eq!(versions[0]["id"], version.as_str());
    let file = app.get(&format!("{base}/versions/{version}/download"), Some(&t)).await;
    assert_eq!(file.status, 200);
    assert_eq!(file.headers[header::CONTENT_TYPE], "image/avif");
    assert_eq!(file.body.len() as u64, versions[0]["bytes"].as_u64().unwrap());

    let cmp = app.post(&format!("{base}/compare"), Some(&t), json!({"version": version})).await;
    let metrics = &cmp.ok(200)["metrics"];
    for m in ["mse", "psnr", "ssim", "ms_ssim", "ssimulacra2"] {
        assert!(metrics.get(m).is_some(), "{m} in {metrics}");
    }
    app.post(&format!("{base}/compare"), Some(&t), json!({"version": "ver_bogus"}))
        .await
        .problem(400, "invalid_argument");
    // Recorded: the history lists it, with what was compared.
    let history = app.get(&format!("{base}/comparisons"), Some(&t)).await.ok(200);
    assert_eq!(
        (history["items"][0]["a"].as_str(), history["items"][0]["b"].as_str()),
        (Some("original"), Some(version.as_str()))
    );
    assert_eq!(history["items"][0]["metrics"], *metrics, "{history}");

    let all = app
        .post(
            &format!("{base}/compare-all"),
            Some(&t),
            json!({"target": "ssim>=0.95", "algorithms": ["jpeg-mozjpeg", "webp-lossy", "png-oxipng"]}),
        )
        .await
        .ok(202);
    app.drain().await;
    let table = app.get(&format!("/api/v1/jobs/{}", all["job_id"].as_str().unwrap()), Some(&t)).await.ok(200);
    assert_eq!(table["state"], "succeeded", "{table}");
    assert_eq!(table["result"]["results"].as_array().unwrap().len(), 3);
    assert!(table["result"]["best"].is_string());

    // Any two versions of the image compare, and the history says which two.
    app.post(&format!("{base}/process"), Some(&t), json!({"format": "webp", "quality": 50})).await.ok(202);
    app.drain().await;
    let versions = app.get(&format!("{base}/versions"), Some(&t)).await.ok(200);
    let ids: Vec<&str> = versions.as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert!(ids.len() >= 2, "{versions}");
    let (a, b) = (ids[0], ids[ids.len() - 1]);
    let pair = app.post(&format!("{base}/compare"), Some(&t), json!({"version": b, "reference": a})).await.ok(200);
    assert_eq!((pair["version"].as_str(), pair["reference_version"].as_str()), (Some(b), Some(a)));
    assert!(pair["metrics"]["ssimulacra2"].is_number(), "{pair}");
    let history = app.get(&format!("{base}/comparisons"), Some(&t)).await.ok(200);
    let last = history["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["a"].as_str(), last["b"].as_str()), (Some(a), Some(b)), "{history}");
    app.post(&format!("{base}/compare"), Some(&t), json!({"version": b, "reference": "ver_bogus"}))
        .await
        .problem(400, "invalid_argument");
    app.delete(&format!("{base}/versions/{b}"), Some(&t)).await.ok(204);

    // A target nobody can meet fails the job with that code, and the server is fine.
    let hopeless = app
        .post(&format!("{base}/process"), Some(&t), json!({"format": "jpeg", "target": {"max_bytes": 10}}))
        .await
        .ok(202);
    app.drain().await;
    let failed = app.get(&format!("/api/v1/jobs/{}", hopeless["job_id"].as_str().unwrap()), Some(&t)).await.ok(200);
    assert_eq!(failed["state"], "failed");
    assert_eq!(failed["error"]["code"], "target_unreachable", "{failed}");

    let stats = app.get("/api/v1/stats", Some(&t)).await.ok(200);
    assert_eq!(stats["images"], 1);
    assert_eq!(stats["versions"], 1);
    assert_eq!(stats["by_algorithm"][0]["algorithm"], fotobase::image::Format::Avif.default_algorithm());
    assert!(stats["bytes_saved"].as_i64().unwrap() > 0);
    assert_eq!(stats["jobs"]["failed"], 1);
    // Global statistics are for admins (ann is the first account, so admin).
    let bob = app.token("bob@example.com").await;
    app.get("/api/v1/stats/global", Some(&bob)).await.problem(403, "forbidden");
    assert_eq!(app.get("/api/v1/stats/global", Some(&t)).await.ok(200)["users"], 2);

    app.delete(&format!("{base}/versions/{version}"), Some(&t)).await.ok(204);
    assert_eq!(app.get(&format!("{base}/versions"), Some(&t)).await.ok(200), json!([]));
}

#[tokio::test]
async fn job_events_stream_until_finished() {
    let app = App::new().await;
    let t = app.token("ann@example.com").await;
    let img = app.upload(&t, "jpeg", "").await;
    let job = app
        .post(&format!("/api/v1/images/{}/process", id(&img)), Some(&t), json!({"format": "webp", "quality": 60}))
        .await
        .ok(202);
    app.drain().await;
    let r = app.get(&format!("/api/v1/jobs/{}/events", job["job_id"].as_str().unwrap()), Some(&t)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers[header::CONTENT_TYPE], "text/event-stream");
    let text = String::from_utf8_lossy(&r.body);
    assert!(text.contains("event: job"), "{text}");
    assert!(text.contains("\"state\":\"succeeded\""), "{text}");
    let bob = app.token("bob@example.com").await;
    app.get(&format!("/api/v1/jobs/{}/events", job["job_id"].as_str().unwrap()), Some(&bob))
        .await
        .problem(404, "not_found");
}

#[tokio::test]
async fn signed_transform_urls() {
    let app = App::new().await;
    let t = app.token("ann@example.com").await;
    let img = app.upload_raw(&t, photo(400, 300, "jpeg"), "image/jpeg", "").await.ok(201);
    let mint = format!("/api/v1/images/{}/transform-url", id(&img));
    let minted = app.post(&mint, Some(&t), json!({"width": 200, "fit": "cover", "height": 100})).await.ok(200);
    let path = minted["path"].as_str().unwrap().to_owned();
    assert!(path.contains("/w:200,h:100,fit:cover,f:auto,e:"), "{path}");
    assert!(path.contains(",v:private,k:k1/"), "minted for a private image with key k1: {path}");
    assert!(minted["url"].as_str().unwrap().ends_with(&path));
    app.post(&mint, Some(&t), json!({"width": 100000})).await.problem(400, "invalid_argument");
    app.post(&mint, Some(&t), json!({"format": "bmp"})).await.problem(400, "invalid_argument");
    app.post(&mint, Some(&t), json!({"crop": true})).await.problem(400, "invalid_argument");
    app.post(&mint, Some(&t), json!({"expires_in": 59})).await.problem(400, "invalid_argument");
    let auto =
        app.post(&mint, Some(&t), json!({"width": 200, "height": 100, "fit": "cover", "format": "auto"})).await.ok(200);
    let options = |p: &str| p.split('/').nth(3).unwrap().split(",e:").next().unwrap().to_owned();
    assert_eq!(options(auto["path"].as_str().unwrap()), options(&path), "format auto is the same as no format");

    let fetch = |path: String, accept: &'static str| {
        App::req(Method::GET, &path, None).header(header::ACCEPT, accept).body(Body::empty()).unwrap()
    };
    let avif = app.send(fetch(path.clone(), "image/avif,image/webp,*/*")).await;
    assert_eq!(avif.status, 200);
    assert_eq!(avif.headers[header::CONTENT_TYPE], "image/avif");
    let cache = avif.headers[header::CACHE_CONTROL].to_str().unwrap();
    let max_age: i64 = cache.split("max-age=").nth(1).unwrap().split(',').next().unwrap().parse().unwrap();
    assert!(cache.starts_with("private,") && (604_000..=604_800).contains(&max_age), "{cache}");
    assert_eq!(avif.headers[header::VARY], "Accept");
    let info = fotobase::image::probe(&avif.body).unwrap();
    assert_eq!((info.width, info.height), (200, 100));
    let webp = app.send(fetch(path.clone(), "image/webp,*/*")).await;
    assert_eq!(webp.headers[header::CONTENT_TYPE], "image/webp");
    let jpeg = app.send(fetch(path.clone(), "*/*")).await;
    assert_eq!(jpeg.headers[header::CONTENT_TYPE], "image/jpeg");
    // Renditions are cached in the blob store; the same request is served from there.
    assert_eq!(app.state.media.blobs().list("cache/t").await.unwrap().len(), 3);
    assert_eq!(app.send(fetch(path.clone(), "image/webp")).await.body, webp.body);
    // Another URL for the same rendition (another expiry) is served from the same cached file.
    let body = json!({"width": 200, "height": 100, "fit": "cover", "expires_in": 3600});
    let hour = app.post(&mint, Some(&t), body).await.ok(200)["path"].as_str().unwrap().to_owned();
    assert_ne!(hour, path);
    assert_eq!(app.send(fetch(hour, "image/webp")).await.body, webp.body);
    assert_eq!(app.state.media.blobs().list("cache/t").await.unwrap().len(), 3, "one cached file per rendition");

    // An expired URL, even correctly signed, renders nothing.
    let image_id = id(&img).to_owned();
    let past = "w:200,f:auto,e:1600000000,v:private,k:k1";
    let expired =
        format!("/t/{}/{past}/{image_id}", fotobase_server::services::transform::sign(&app.state, past, &image_id));
    app.get(&expired, None).await.problem(403, "forbidden");
    // Minted while public: shared caches may keep it, until the image is made private.
    let image_path = format!("/api/v1/images/{image_id}");
    app.patch(&image_path, Some(&t), json!({"visibility": "public"})).await.ok(200);
    let public = app.post(&mint, Some(&t), json!({"width": 50})).await.ok(200)["path"].as_str().unwrap().to_owned();
    assert!(public.contains(",v:public,k:k1/"), "{public}");
    let shown = app.get(&public, None).await;
    assert!(shown.headers[header::CACHE_CONTROL].to_str().unwrap().starts_with("public,"));
    app.patch(&image_path, Some(&t), json!({"visibility": "private"})).await.ok(200);
    app.get(&public, None).await.problem(403, "forbidden");
    assert_eq!(app.get(&path, None).await.status, 200, "the owner's private URL still works");

    // Any change to the URL breaks the signature.
    app.get(&path.replace("w:200", "w:4000"), None).await.problem(403, "forbidden");
    let mut chars: Vec<char> = path.chars().collect();
    chars[4] = if chars[4] == 'a' { 'b' } else { 'a' };
    app.get(&chars.into_iter().collect::<String>(), None).await.problem(403, "forbidden");
    let other = app.upload(&t, "png", "").await;
    app.get(&path.replace(id(&img), id(&other)), None).await.problem(403, "forbidden");
    // Logging out everywhere revokes the URLs the owner minted for private images; new ones work.
    app.post("/api/v1/auth/logout-all", Some(&t), json!({})).await.ok(200);
    let revoked = app.get(&path, None).await.problem(403, "forbidden");
    assert!(revoked["detail"].as_str().unwrap().contains("revoked"), "{revoked}");
    let login = json!({"email": "ann@example.com", "password": crate::harness::PASSWORD});
    let t = app.post("/api/v1/auth/login", None, login).await.ok(200)["access_token"].as_str().unwrap().to_owned();
    let fresh = app.post(&mint, Some(&t), json!({"width": 200})).await.ok(200);
    let path = fresh["path"].as_str().unwrap().to_owned();
    assert!(path.contains(",n:1/"), "minted in the account's next URL epoch: {path}");
    assert_eq!(app.get(&path, None).await.status, 200);
    // A deleted image's URL stops working.
    app.delete(&format!("/api/v1/images/{}", id(&img)), Some(&t)).await.ok(204);
    app.get(&path, None).await.problem(404, "not_found");
    // Gone for its owner too, and the answer names no row number: the API speaks public ids only.
    let gone = app.get(&format!("/api/v1/images/{}", id(&img)), Some(&t)).await.problem(404, "not_found");
    let numbers = |v: &Value| {
        v.as_object().is_some_and(|c| c.values().any(|x| x.as_str().is_some_and(|s| s.parse::<i64>().is_ok())))
    };
    assert!(!numbers(&gone["context"]), "{gone}");
}

/// `Idempotency-Key` on job creation: a retried request gets the job the first one queued,
/// another request under the same key is refused, and keys are each account's own.
#[tokio::test]
async fn a_retried_job_request_queues_once() {
    let app = App::new().await;
    let (ann, bob) = (app.token("ann@example.com").await, app.token("bob@example.com").await);
    let (a, b) = (app.upload(&ann, "jpeg", "").await, app.upload(&bob, "jpeg", "").await);
    let to = |what: &str, token: &str, image: &Value, key: &str, body: Value| {
        App::req(Method::POST, &format!("/api/v1/images/{}/{what}", id(image)), Some(token))
            .header(header::CONTENT_TYPE, "application/json")
            .header("idempotency-key", key)
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let post = |token: &str, image: &Value, key: &str, body: Value| to("process", token, image, key, body);
    let webp = json!({"format": "webp", "quality": 70});
    let first = app.send(post(&ann, &a, "k-1", webp.clone())).await.ok(202);
    let again = app.send(post(&ann, &a, "k-1", webp.clone())).await.ok(202);
    assert_eq!(first["job_id"], again["job_id"], "one job for the retried request");
    let other = app.send(post(&ann, &a, "k-1", json!({"format": "avif"}))).await.problem(409, "already_exists");
    assert_eq!(other["field"], "idempotency-key");
    let bobs = app.send(post(&bob, &b, "k-1", webp.clone())).await.ok(202);
    assert_ne!(bobs["job_id"], first["job_id"], "keys are each account's own");
    let fresh = app.send(post(&ann, &a, "k-2", webp)).await.ok(202);
    assert_ne!(fresh["job_id"], first["job_id"]);
    // Compare-all takes the same key the same way.
    let table = json!({"target": "ssim>=0.9", "algorithms": ["webp-lossy"]});
    let first_all = app.send(to("compare-all", &ann, &a, "k-3", table.clone())).await.ok(202);
    let again_all = app.send(to("compare-all", &ann, &a, "k-3", table)).await.ok(202);
    assert_eq!(first_all["job_id"], again_all["job_id"], "one compare-all job for the retried request");
    let changed = json!({"target": "ssim>=0.95"});
    app.send(to("compare-all", &ann, &a, "k-3", changed)).await.problem(409, "already_exists");
    let jobs = app.state.queue.counts(None, None).await.unwrap();
    assert_eq!(
        jobs.queued + jobs.running + jobs.succeeded,
        6,
        "2 thumbnails, 3 processing and 1 compare-all jobs: {jobs:?}"
    );
}

/// Names as displayed: bidi controls that would show `gpj.exe` as `exe.jpg` are removed on
/// upload and on rename; a rename to a path is refused, and nothing of it is stored.
#[tokio::test]
async fn names_cannot_spoof_or_climb() {
    let app = App::new().await;
    let t = app.token("ann@example.com").await;
    let img = app.upload_raw(&t, photo(40, 30, "jpeg"), "image/jpeg", "?name=%E2%80%AEgpj.exe").await.ok(201);
    assert_eq!(img["name"], "gpj.exe", "{img}");
    let path = format!("/api/v1/images/{}", id(&img));
    let renamed = app.patch(&path, Some(&t), json!({"name": "holiday\u{2067}.jpg\u{2069}\u{200f}"})).await.ok(200);
    assert_eq!(renamed["name"], "holiday.jpg", "{renamed}");
    // Invisible characters that make two names look alike go; the joiners emoji need stay.
    let look_alike = json!({"name": "in\u{200b}voice\u{feff}.\u{2060}jpg\u{00ad}"});
    assert_eq!(app.patch(&path, Some(&t), look_alike).await.ok(200)["name"], "invoice.jpg");
    let family = "\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}.jpg";
    assert_eq!(app.patch(&path, Some(&t), json!({"name": family})).await.ok(200)["name"], family);
    app.patch(&path, Some(&t), json!({"name": "holiday.jpg"})).await.ok(200);
    for climbing in ["../../../etc/shadow", "dir/x.jpg", "a\\b.jpg", "..", "\u{202e}"] {
        let p = app.patch(&path, Some(&t), json!({"name": climbing})).await.problem(400, "invalid_argument");
        assert_eq!(p["field"], if climbing == "\u{202e}" { Value::Null } else { json!("name") }, "{climbing}: {p}");
    }
    assert_eq!(app.get(&path, Some(&t)).await.ok(200)["name"], "holiday.jpg", "the refused names were not stored");
    let folder = app.post("/api/v1/folders", Some(&t), json!({"name": "\u{202e}gnp.2024"})).await.ok(201);
    assert_eq!(folder["name"], "gnp.2024", "{folder}");
}

/// The position an original file carries (EXIF GPS), read as a client would.
fn gps_in(file: &[u8]) -> Option<fotobase::image::Gps> {
    fotobase::image::probe(file).expect("an image comes back").metadata.gps
}

/// A camera photo's facts come back with the image; its position only to the owner: not to
/// another account, not anonymously when public, not through a share link; neither in the
/// JSON nor in the original file, which the owner alone gets byte for byte.
#[tokio::test]
async fn camera_facts_for_everyone_the_position_for_the_owner() {
    let Some(photo) = corpus_file("photos/camera/DSCN0010.jpg") else { return };
    let uploaded = photo.clone();
    let app = App::new().await;
    let ann = app.token("ann@example.com").await;
    let bob = app.token("bob@example.com").await;
    let img = app.upload_raw(&ann, photo, "image/jpeg", "").await.ok(201);
    let path = format!("/api/v1/images/{}", id(&img));
    let own = app.get(&path, Some(&ann)).await.ok(200);
    assert_eq!(own["metadata"]["make"], "NIKON", "{own}");
    assert!(own["metadata"]["taken_at"].as_str().is_some_and(|t| t.starts_with("2008-")), "{own}");
    assert!((own["metadata"]["gps"]["latitude"].as_f64().unwrap() - 43.4674).abs() < 1e-3, "{own}");
    assert_eq!(img["metadata"], own["metadata"], "the upload's answer is the owner's view");

    app.patch(&path, Some(&ann), json!({"visibility": "public"})).await.ok(200);
    for (who, token) in [("bob", Some(bob.as_str())), ("anonymous", None)] {
        let seen = app.get(&path, token).await.ok(200);
        assert_eq!(seen["metadata"]["make"], "NIKON", "{who}: {seen}");
        assert!(seen["metadata"]["gps"].is_null(), "{who} sees no position: {seen}");
    }
    let link = app.post(&format!("{path}/share"), Some(&ann), json!({"expires_in": 3600})).await.ok(201);
    let shared = app.get(&format!("/api/v1/shared/{}", link["token"].as_str().unwrap()), None).await.ok(200);
    let image = &shared["images"][0];
    assert_eq!(image["metadata"]["make"], "NIKON", "{shared}");
    assert!(image["metadata"]["gps"].is_null(), "share links show no position: {shared}");

    let original = format!("{path}/original");
    let own = app.get(&original, Some(&ann)).await;
    assert_eq!(own.status, 200);
    assert!(own.body[..] == uploaded[..], "the owner's download is the uploaded file");
    let shared_original = format!("/api/v1/shared/{}/images/{}/original", link["token"].as_str().unwrap(), id(&img));
    for (who, res) in [
        ("bob", app.get(&original, Some(&bob)).await),
        ("anonymous", app.get(&original, None).await),
        ("a share link", app.get(&shared_original, None).await),
    ] {
        assert_eq!(res.status, 200, "{who}");
        assert_eq!(gps_in(&res.body), None, "{who} gets the file without its position");
        assert_eq!(res.body.len(), uploaded.len(), "{who}: only the position is gone");
        assert_ne!(res.headers[header::ETAG], own.headers[header::ETAG], "{who}: another representation");
        let facts = fotobase::image::probe(&res.body).unwrap().metadata;
        assert_eq!(facts.make.as_deref(), Some("NIKON"), "{who}: the camera facts stay");
    }
    assert!(gps_in(&uploaded).is_some(), "the corpus file records where it was taken");

    // A link its owner made with the location: the file byte for byte, the position shown.
    let with = app.post(&format!("{path}/share"), Some(&ann), json!({"include_location": true})).await.ok(201);
    assert_eq!(with["include_location"], true, "{with}");
    let token = with["token"].as_str().unwrap();
    let opened = app.get(&format!("/api/v1/shared/{token}"), None).await.ok(200);
    assert!(opened["images"][0]["metadata"]["gps"]["latitude"].is_number(), "{opened}");
    let file = app.get(&format!("/api/v1/shared/{token}/images/{}/original", id(&img)), None).await;
    assert!(file.body[..] == uploaded[..], "the link hands out the file as uploaded");
    let listed = app.get("/api/v1/shares", Some(&ann)).await.ok(200);
    let flags: Vec<bool> = listed.as_array().unwrap().iter().map(|l| l["include_location"] == true).collect();
    assert_eq!(flags.iter().filter(|f| **f).count(), 1, "{listed}");

    // A version made with `keep_metadata` carries the EXIF: its position too goes to the owner only.
    app.post(&format!("{path}/process"), Some(&ann), json!({"format": "jpeg", "quality": 80, "keep_metadata": true}))
        .await
        .ok(202);
    app.drain().await;
    let versions = app.get(&format!("{path}/versions"), Some(&ann)).await.ok(200);
    let download = format!("{path}/versions/{}/download", versions[0]["id"].as_str().unwrap());
    assert!(gps_in(&app.get(&download, Some(&ann)).await.body).is_some(), "the owner's version keeps it");
    for (who, token) in [("bob", Some(bob.as_str())), ("anonymous", None)] {
        let res = app.get(&download, token).await;
        assert_eq!(res.status, 200, "{who}");
        assert_eq!(gps_in(&res.body), None, "{who} gets the version without its position");
    }

    // Renditions made for showing carry no position either: the thumbnail (through the API and a
    // link without the location) and a signed transform URL, which anyone holding it can open.
    let link_token = link["token"].as_str().unwrap();
    for (who, thumb) in [
        ("anonymous", app.get(&format!("{path}/thumbnail"), None).await),
        ("a share link", app.get(&format!("/api/v1/shared/{link_token}/images/{}/thumbnail", id(&img)), None).await),
    ] {
        assert_eq!(thumb.status, 200, "{who}");
        assert_eq!(gps_in(&thumb.body), None, "{who}: the thumbnail has no position");
    }
    let minted = app.post(&format!("{path}/transform-url"), Some(&ann), json!({"width": 320, "format": "jpeg"})).await;
    let rendition = app.get(minted.ok(200)["path"].as_str().unwrap(), None).await;
    assert_eq!(rendition.status, 200);
    assert_eq!(gps_in(&rendition.body), None, "a transform URL's rendition has no position");
}

/// An iPhone photo past `upload_memory_bytes` is staged, then probed whole: libheif checks every
/// item location against the file's length, so its first part alone would read as truncated.
#[tokio::test]
async fn a_large_heic_upload_is_probed_whole() {
    let Some(photo) = corpus_file("formats/heic/IMG_5195.HEIC") else { return };
    let app = App::with(|c| c.upload_memory_bytes = 64 << 10).await;
    let t = app.token("ann@example.com").await;
    let img = app.upload_raw(&t, photo, "image/heic", "").await.ok(201);
    assert_eq!(img["format"], "heic", "{img}");
    assert_eq!(img["metadata"]["make"], "Apple", "{img}");
    app.drain().await;
    let img = app.get(&format!("/api/v1/images/{}", id(&img)), Some(&t)).await.ok(200);
    assert_eq!(img["status"], "ready", "the thumbnail job decodes it: {img}");
}

/// Quotas: stored bytes (413, checked again in the storing transaction), uploads per minute
/// (429 + Retry-After), queued jobs (429); an admin sets an account's own limits, which win over
/// the server's; deleting frees the bytes; the numbers are each account's own.
#[tokio::test]
async fn quotas_bound_bytes_uploads_and_jobs() {
    let app = App::with(|c| {
        c.quota.max_bytes = "60000".parse().unwrap();
        c.quota.uploads_per_minute = "4".parse().unwrap();
        c.quota.max_queued_jobs = "1".parse().unwrap();
    })
    .await;
    let admin = app.token("admin@example.com").await;
    let ann = app.token("ann@example.com").await;
    let me = app.get("/api/v1/users/me/quota", Some(&ann)).await.ok(200);
    assert_eq!(me["limits"], json!({"max_bytes": 60000, "max_queued_jobs": 1, "uploads_per_minute": 4}));
    assert_eq!((me["bytes_used"].as_u64(), me["queued_jobs"].as_u64()), (Some(0), Some(0)));

    // Bytes: a file that does not fit is refused whole, before or while storing.
    let big = photo(400, 300, "png");
    assert!(big.len() > 60000, "{}", big.len());
    let full = app.upload_raw(&ann, big.clone(), "image/png", "").await.problem(413, "quota_exceeded");
    assert_eq!(full["context"]["quota"], "bytes");
    let (form_type, form) = multipart(&big, "big.png", &[]);
    app.upload_raw(&ann, form, &form_type, "").await.problem(413, "quota_exceeded");
    let small = app.upload(&ann, "jpeg", "").await;
    let used = app.get("/api/v1/users/me/quota", Some(&ann)).await.ok(200)["bytes_used"].as_u64().unwrap();
    assert_eq!(used, small["bytes"].as_u64().unwrap());

    // Jobs: one queued at a time (thumbnails do not count).
    let process = |key: &str| {
        App::req(Method::POST, &format!("/api/v1/images/{}/process", id(&small)), Some(&ann))
            .header(header::CONTENT_TYPE, "application/json")
            .header("idempotency-key", key)
            .body(Body::from(json!({"format": "webp", "quality": 60}).to_string()))
            .unwrap()
    };
    let job = app.send(process("j1")).await.ok(202);
    let busy = app.send(process("j2")).await.problem(429, "quota_exceeded");
    assert_eq!(busy["context"]["quota"], "queued_jobs");
    assert_eq!(app.send(process("j1")).await.ok(202)["job_id"], job["job_id"], "a retry is answered at the limit");
    app.drain().await;
    app.send(process("j2")).await.ok(202);
    app.drain().await;
    let with_version = app.get("/api/v1/users/me/quota", Some(&ann)).await.ok(200)["bytes_used"].as_u64().unwrap();
    assert!(with_version > used, "versions count: {with_version} vs {used}");

    // Uploads per minute: 4 started this minute (two refused, one stored, one more now).
    app.upload(&ann, "jpeg", "").await;
    let slow = app.upload_raw(&ann, photo(96, 64, "jpeg"), "image/jpeg", "").await;
    let problem = slow.problem(429, "quota_exceeded");
    assert_eq!(problem["context"]["quota"], "uploads_per_minute");
    let wait: u64 = slow.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // Another account has its own minute.
    let bob = app.token("bob@example.com").await;
    app.upload(&bob, "jpeg", "").await;

    // An admin's own limits win; `null` goes back to the default; users cannot set theirs.
    let ann_id = app.get("/api/v1/users/me", Some(&ann)).await.ok(200)["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/users/{ann_id}/quota");
    let raised = json!({"max_bytes": 10_000_000, "uploads_per_minute": 100, "max_queued_jobs": null});
    app.call(Method::PUT, &path, Some(&ann), Some(raised.clone())).await.problem(403, "forbidden");
    let set = app.call(Method::PUT, &path, Some(&admin), Some(raised)).await.ok(200);
    assert_eq!(set["own"], json!({"max_bytes": 10_000_000, "max_queued_jobs": null, "uploads_per_minute": 100}));
    assert_eq!(set["limits"]["max_queued_jobs"], 1);
    app.call(Method::PUT, &path, Some(&admin), Some(json!({"max_bytes": "lots"})))
        .await
        .problem(400, "invalid_argument");
    app.upload_raw(&ann, big, "image/png", "").await.ok(201);

    // Deleting gives the bytes back (originals and their versions).
    let before = app.get(&path, Some(&admin)).await.ok(200)["bytes_used"].as_u64().unwrap();
    app.delete(&format!("/api/v1/images/{}", id(&small)), Some(&ann)).await.ok(204);
    let after = app.get(&path, Some(&admin)).await.ok(200)["bytes_used"].as_u64().unwrap();
    assert_eq!(before - after, with_version, "the image and its versions: {before} → {after}");
}

/// `Idempotency-Key` on uploads: a retry stores nothing twice and answers with the first image;
/// other bytes under the same key are refused; keys are each account's own.
#[tokio::test]
async fn a_retried_upload_stores_once() {
    let app = App::new().await;
    let (ann, bob) = (app.token("ann@example.com").await, app.token("bob@example.com").await);
    let send = |token: &str, key: &str, data: Vec<u8>| {
        App::req(Method::POST, "/api/v1/images", Some(token))
            .header(header::CONTENT_TYPE, "image/jpeg")
            .header("idempotency-key", key)
            .body(Body::from(data))
            .unwrap()
    };
    let data = photo(96, 64, "jpeg");
    let first = app.send(send(&ann, "u-1", data.clone())).await.ok(201);
    let again = app.send(send(&ann, "u-1", data.clone())).await.ok(201);
    assert_eq!(first["id"], again["id"]);
    let other = app.send(send(&ann, "u-1", photo(97, 64, "jpeg"))).await.problem(409, "already_exists");
    assert_eq!(other["field"], "idempotency-key");
    let bobs = app.send(send(&bob, "u-1", data.clone())).await.ok(201);
    assert_ne!(bobs["id"], first["id"]);
    let list = app.get("/api/v1/images", Some(&ann)).await.ok(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    let jobs = app.state.queue.counts(None, None).await.unwrap();
    assert_eq!(jobs.queued, 2, "one thumbnail per stored image: {jobs:?}");
    // A bad key is refused before anything is read.
    app.send(send(&ann, "", data)).await.problem(400, "invalid_argument");
}

/// Transform keys rotate: URLs name their key (`k:`); with a new key first in
/// `FOTOBASE_TRANSFORM_KEYS`, new URLs use it and old ones still work until their key is removed,
/// which revokes them alone.
#[tokio::test]
async fn transform_keys_rotate_and_removing_one_revokes_its_urls() {
    const OLD: &str = "old:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
    const NEW: &str = "new:AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";
    let keys = |v: String| move |name: &str| (name == "FOTOBASE_TRANSFORM_KEYS").then(|| v.clone());
    let before = App::with_env(|c| c.blob_url = None, &keys(OLD.into())).await;
    let t = before.token("ann@example.com").await;
    let img = before.upload(&t, "jpeg", "").await;
    let mint = format!("/api/v1/images/{}/transform-url", id(&img));
    let old = before.post(&mint, Some(&t), json!({"width": 32})).await.ok(200)["path"].as_str().unwrap().to_owned();
    assert!(old.contains(",k:old/"), "{old}");

    let during = before.reopened(&keys(format!("{NEW},{OLD}"))).await;
    let new = during.post(&mint, Some(&t), json!({"width": 32})).await.ok(200)["path"].as_str().unwrap().to_owned();
    assert!(new.contains(",k:new/"), "{new}");
    assert_eq!(during.get(&old, None).await.status, 200, "the old key still verifies");
    assert_eq!(during.get(&new, None).await.status, 200);
    // A URL naming a key it was not signed with is refused.
    during.get(&old.replace(",k:old/", ",k:new/"), None).await.problem(403, "forbidden");

    let after = before.reopened(&keys(NEW.into())).await;
    after.get(&old, None).await.problem(403, "forbidden");
    assert_eq!(after.get(&new, None).await.status, 200);
}

/// What is gone answers 404 in public ids only: the problem's context never carries a row
/// number (the store's errors name rows; the API drops those keys), for images, versions and
/// folders alike.
#[tokio::test]
async fn gone_things_are_404_without_row_numbers() {
    let app = App::new().await;
    let t = app.token("ann@example.com").await;
    let img = app.upload(&t, "jpeg", "").await;
    let base = format!("/api/v1/images/{}", id(&img));
    app.post(&format!("{base}/process"), Some(&t), json!({"format": "webp", "quality": 60})).await.ok(202);
    app.drain().await;
    let version = app.get(&format!("{base}/versions"), Some(&t)).await.ok(200)[0]["id"].as_str().unwrap().to_owned();
    let folder = app.post("/api/v1/folders", Some(&t), json!({"name": "Gone"})).await.ok(201);
    let folder = format!("/api/v1/folders/{}", id(&folder));
    app.delete(&format!("{base}/versions/{version}"), Some(&t)).await.ok(204);
    app.delete(&folder, Some(&t)).await.ok(204);
    let version = format!("{base}/versions/{version}");
    let gone = [version.clone(), folder];
    let mut problems = Vec::new();
    for path in &gone {
        problems.push(app.get(path, Some(&t)).await.problem(404, "not_found"));
    }
    app.delete(&base, Some(&t)).await.ok(204);
    for path in [base, version] {
        problems.push(app.get(&path, Some(&t)).await.problem(404, "not_found"));
    }
    for p in problems {
        let context = p["context"].as_object().cloned().unwrap_or_default();
        assert!(!context.values().any(|v| v.as_str().is_some_and(|s| s.parse::<i64>().is_ok())), "{p}");
    }
}

#[tokio::test]
async fn admins_choose_the_algorithms_offered() {
    let app = App::new().await;
    let admin = app.token("root@example.com").await; // the first account is the admin
    let t = app.token("ann@example.com").await;
    let img = app.upload(&t, "jpeg", "").await;
    let base = format!("/api/v1/images/{}", id(&img));
    let listed = |v: &Value, name: &str| {
        v.as_array().unwrap().iter().find(|a| a["name"] == name).map(|a| a["enabled"].as_bool().unwrap())
    };
    assert_eq!(listed(&app.get("/api/v1/algorithms", None).await.ok(200), "webp-lossy"), Some(true));

    let off = json!({"enabled": false});
    app.patch("/api/v1/algorithms/webp-lossy", Some(&t), off.clone()).await.problem(403, "forbidden");
    app.patch("/api/v1/algorithms/webp-lossy", None, off.clone()).await.problem(401, "unauthenticated");
    app.patch("/api/v1/algorithms/gif-magic", Some(&admin), off.clone()).await.problem(404, "not_found");
    app.patch("/api/v1/algorithms/webp-lossy", Some(&admin), json!({"enabled": "no"}))
        .await
        .problem(400, "invalid_argument");
    let changed = app.patch("/api/v1/algorithms/webp-lossy", Some(&admin), off).await.ok(200);
    assert_eq!((changed["name"].as_str(), changed["enabled"].as_bool()), (Some("webp-lossy"), Some(false)));
    assert_eq!(listed(&app.get("/api/v1/algorithms", Some(&t)).await.ok(200), "webp-lossy"), Some(false));

    // Refused before anything is queued, whether named or reached through its format.
    for body in [json!({"algorithm": "webp-lossy", "quality": 80}), json!({"format": "webp"})] {
        app.post(&format!("{base}/process"), Some(&t), body).await.problem(400, "invalid_argument");
    }
    app.post(&format!("{base}/compare-all"), Some(&t), json!({"target": "ssim>=0.9", "algorithms": ["webp-lossy"]}))
        .await
        .problem(400, "invalid_argument");
    // "All algorithms" means all that are offered.
    let job = app.post(&format!("{base}/compare-all"), Some(&t), json!({"target": "ssim>=0.9"})).await.ok(202);
    app.drain().await;
    let table = app.get(&format!("/api/v1/jobs/{}", job["job_id"].as_str().unwrap()), Some(&t)).await.ok(200);
    let rows: Vec<&str> =
        table["result"]["results"].as_array().unwrap().iter().map(|r| r["algorithm"].as_str().unwrap()).collect();
    assert!(!rows.is_empty() && !rows.contains(&"webp-lossy"), "{rows:?}");

    app.patch("/api/v1/algorithms/webp-lossy", Some(&admin), json!({"enabled": true})).await.ok(200);
    app.post(&format!("{base}/process"), Some(&t), json!({"format": "webp"})).await.ok(202);

    // Transform URLs encode with each format's default algorithm: with AVIF's off, a browser that
    // takes AVIF gets WebP, and AVIF asked for by name is refused, at minting and at rendering.
    let avif = format!("/api/v1/algorithms/{}", fotobase::image::Format::Avif.default_algorithm());
    let mint = format!("{base}/transform-url");
    let auto = app.post(&mint, Some(&t), json!({"width": 64})).await.ok(200)["path"].as_str().unwrap().to_owned();
    let named = app.post(&mint, Some(&t), json!({"width": 64, "format": "avif"})).await.ok(200);
    let named = named["path"].as_str().unwrap().to_owned();
    let fetch = |path: &str| App::req(Method::GET, path, None).header(header::ACCEPT, "image/avif,image/webp,*/*");
    let served = |r: &crate::harness::Res| r.headers[header::CONTENT_TYPE].to_str().unwrap().to_owned();
    assert_eq!(served(&app.send(fetch(&auto).body(Body::empty()).unwrap()).await), "image/avif");
    app.patch(&avif, Some(&admin), json!({"enabled": false})).await.ok(200);
    assert_eq!(served(&app.send(fetch(&auto).body(Body::empty()).unwrap()).await), "image/webp");
    app.send(fetch(&named).body(Body::empty()).unwrap()).await.problem(400, "invalid_argument");
    app.post(&mint, Some(&t), json!({"format": "avif"})).await.problem(400, "invalid_argument");
    app.patch(&avif, Some(&admin), json!({"enabled": true})).await.ok(200);
    assert_eq!(served(&app.send(fetch(&named).body(Body::empty()).unwrap()).await), "image/avif");
}

/// With `presigned_downloads` on an S3 or Azure store, bytes sent as stored (the owner's original,
/// versions) are a `302` to a URL the store presigned, which serves exactly those bytes; a copy
/// without location (another person's view of a public image) and browser `fetch`es still come
/// from the server; off, nothing changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_straight_from_the_cloud_store() {
    for var in ["FOTOBASE_TEST_S3_URL", "FOTOBASE_TEST_AZURE_URL"] {
        let Some(url) = crate::dbs::emulator_url(var) else { continue };
        let app = App::with(|c| {
            c.blob_url = Some(url.clone());
            c.presigned_downloads = true;
        })
        .await;
        let t = app.token("ann@example.com").await;
        let bytes = corpus_file("photos/camera/DSCN0010.jpg").unwrap_or_else(|| photo(320, 240, "jpeg"));
        let img = app.upload_raw(&t, bytes.clone(), "image/jpeg", "").await.ok(201);
        let original = format!("/api/v1/images/{}/original", id(&img));
        let get = |path: &str, token: Option<&str>, mode: Option<&str>| {
            let mut req = App::req(Method::GET, path, token);
            if let Some(m) = mode {
                req = req.header("sec-fetch-mode", m);
            }
            app.send(req.body(Body::empty()).unwrap())
        };
        let follow = |r: &crate::harness::Res| {
            assert_eq!(r.status, 302, "{var}: {}", String::from_utf8_lossy(&r.body));
            assert_eq!(r.headers[header::CACHE_CONTROL], "private, no-store");
            let location = r.headers[header::LOCATION].to_str().unwrap().to_owned();
            assert!(location.starts_with("http://127.0.0.1:"), "{var}: the store's own URL: {location}");
            let out = std::process::Command::new("curl").args(["-sf", &location]).output().expect("curl");
            assert!(out.status.success(), "{var}: GET {location}: {}", String::from_utf8_lossy(&out.stderr));
            out.stdout
        };
        assert_eq!(follow(&get(&original, Some(&t), None).await), bytes, "{var}: byte-exact for the owner");
        assert_eq!(follow(&get(&original, Some(&t), Some("navigate")).await), bytes);
        let fetched = get(&original, Some(&t), Some("cors")).await;
        assert_eq!((fetched.status.as_u16(), &fetched.body[..]), (200, &bytes[..]), "{var}: the web UI's fetch");

        app.post(&format!("/api/v1/images/{}/process", id(&img)), Some(&t), json!({"format": "webp", "quality": 60}))
            .await
            .ok(202);
        app.drain().await;
        let versions = app.get(&format!("/api/v1/images/{}/versions", id(&img)), Some(&t)).await.ok(200);
        let vid = versions[0]["id"].as_str().unwrap().to_owned();
        let version =
            follow(&get(&format!("/api/v1/images/{}/versions/{vid}/download", id(&img)), Some(&t), None).await);
        assert_eq!(fotobase::image::probe(&version).unwrap().format, fotobase::image::Format::Webp);

        // Someone else's view of a public image is made by the server, without the location.
        app.patch(&format!("/api/v1/images/{}", id(&img)), Some(&t), json!({"visibility": "public"})).await.ok(200);
        let bob = app.token("bob@example.com").await;
        for token in [Some(bob.as_str()), None] {
            let seen = get(&original, token, None).await;
            assert_eq!(seen.status, 200, "{var}");
            assert_eq!(seen.headers[header::CONTENT_TYPE], "image/jpeg");
        }

        let off = App::with(|c| c.blob_url = Some(url.clone())).await;
        let t = off.token("ann@example.com").await;
        let img = off.upload_raw(&t, bytes.clone(), "image/jpeg", "").await.ok(201);
        let direct = off.get(&format!("/api/v1/images/{}/original", id(&img)), Some(&t)).await;
        assert_eq!((direct.status.as_u16(), &direct.body[..]), (200, &bytes[..]), "{var}: off by default");
    }
}

/// A processing job may edit before it encodes: its operations are checked before anything is
/// queued, run in order, and the version is the edited image (a quarter turn swaps the sides).
#[tokio::test]
async fn processing_jobs_run_editing_operations() {
    let app = App::new().await;
    let t = app.token("ann@example.com").await;
    let img = app.upload_raw(&t, photo(400, 300, "jpeg"), "image/jpeg", "").await.ok(201);
    let base = format!("/api/v1/images/{}", id(&img));
    let ops = json!([
        {"op": "extract", "left": 50, "top": 20, "width": 300, "height": 200},
        {"op": "rotate", "angle": 90},
        {"op": "sharpen", "sigma": 1},
        {"op": "modulate", "saturation": 0}
    ]);
    let job = app.post(&format!("{base}/process"), Some(&t), json!({"format": "png", "operations": ops})).await.ok(202);
    app.drain().await;
    let done = app.get(&format!("/api/v1/jobs/{}", job["job_id"].as_str().unwrap()), Some(&t)).await.ok(200);
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!((done["result"]["width"].as_u64(), done["result"]["height"].as_u64()), (Some(200), Some(300)));
    let version = done["result"]["version_id"].as_str().unwrap();
    let file = app.get(&format!("{base}/versions/{version}/download"), Some(&t)).await;
    let pixels = fotobase::image::decode(&file.body, &Default::default()).unwrap().into_pixels().to_rgb8();
    assert!(pixels.pixels().all(|p| p[0] == p[1] && p[1] == p[2]), "saturation 0 leaves gray");

    for bad in [
        json!([{"op": "extract", "left": 0, "top": 0, "width": 0, "height": 5}]),
        json!([{"op": "blur", "sigma": 500}]),
        json!([{"op": "spin"}]),
        json!([{"op": "flip", "twice": true}]),
    ] {
        let r = app.post(&format!("{base}/process"), Some(&t), json!({"format": "png", "operations": bad})).await;
        r.problem(400, "invalid_argument");
    }
    // An extract that does not fit this image fails the job with the core's code, not the server.
    let job = app
        .post(
            &format!("{base}/process"),
            Some(&t),
            json!({"operations": [{"op": "extract", "left": 390, "top": 0, "width": 20, "height": 5}]}),
        )
        .await
        .ok(202);
    app.drain().await;
    let failed = app.get(&format!("/api/v1/jobs/{}", job["job_id"].as_str().unwrap()), Some(&t)).await.ok(200);
    assert_eq!(
        (failed["state"].as_str(), failed["error"]["code"].as_str()),
        (Some("failed"), Some("invalid_argument")),
        "{failed}"
    );
}
