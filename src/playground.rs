//! The GraphiQL playground: the page at `GET /` and the vendored GraphiQL and React files it loads.
//!
//! Every byte is compiled into the binary (`include_str!`/`include_bytes!`) because
//! many users sit behind networks that block public CDNs; the page names no external
//! URL. The files come from npm; `assets/graphiql/README.md` says which versions and
//! how to refresh them.

use axum::{
    Router,
    extract::Path,
    http::{StatusCode, header},
    response::{Html, IntoResponse, Response},
    routing::get,
};

/// The page itself. It links the assets below under `/playground/` and queries `/graphql`.
const INDEX_HTML: &str = include_str!("../assets/graphiql/index.html");

/// The assets never change for a given URL: the page adds the vendored version as a
/// `?v=` query, so browsers may keep them for a year without revalidating.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// A file served under `/playground/{name}`.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// A fixed list rather than a directory lookup: nothing but these names can be
/// served, so a request path can never reach the filesystem.
const ASSETS: &[Asset] = &[
    Asset {
        name: "graphiql.min.js",
        content_type: JS,
        body: include_bytes!("../assets/graphiql/graphiql.min.js"),
    },
    Asset {
        name: "graphiql.min.css",
        content_type: CSS,
        body: include_bytes!("../assets/graphiql/graphiql.min.css"),
    },
    Asset {
        name: "react.production.min.js",
        content_type: JS,
        body: include_bytes!("../assets/graphiql/react.production.min.js"),
    },
    Asset {
        name: "react-dom.production.min.js",
        content_type: JS,
        body: include_bytes!("../assets/graphiql/react-dom.production.min.js"),
    },
];

/// Routes for the playground, to be merged into the service's router:
/// `GET /` (the page) and `GET /playground/{file}` (its assets).
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(index))
        .route("/playground/{file}", get(asset))
}

async fn index() -> impl IntoResponse {
    // `no-cache` (revalidate each time), so a new build's page, and with it the
    // new `?v=` asset URLs, is picked up at once.
    ([(header::CACHE_CONTROL, "no-cache")], Html(INDEX_HTML))
}

async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == file) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, IMMUTABLE),
                // Browsers must not guess another type than the one we state.
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            a.body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::{body::Body, http::Request};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    async fn get(uri: &str) -> Response {
        routes::<()>()
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    /// The values of every `src="…"` and `href="…"` attribute in the page.
    fn linked_urls(html: &str) -> Vec<&str> {
        let mut urls = Vec::new();
        for attr in ["src=\"", "href=\""] {
            for (start, _) in html.match_indices(attr) {
                let rest = &html[start + attr.len()..];
                urls.push(&rest[..rest.find('"').expect("unterminated attribute")]);
            }
        }
        urls
    }

    #[tokio::test]
    async fn page_links_only_local_assets_that_are_served() {
        let res = get("/").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            res.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let body = res.into_body().collect().await.unwrap().to_bytes();
        let html = std::str::from_utf8(&body).unwrap();

        // No external URL anywhere: not in an attribute, not in the script.
        assert!(!html.contains("://"), "page names an absolute URL");
        let urls = linked_urls(html);
        assert_eq!(
            urls.len(),
            5,
            "icon, stylesheet and three scripts: {urls:?}"
        );
        for url in urls {
            assert!(!url.contains("http") && !url.starts_with("//"), "{url}");
            if url == "data:," {
                continue; // the empty favicon
            }
            assert!(url.starts_with("/playground/"), "{url}");
            // Each linked asset must exist, query string and all.
            assert_eq!(get(url).await.status(), StatusCode::OK, "{url}");
        }
        assert!(html.contains("url: '/graphql'"));
    }

    #[tokio::test]
    async fn each_asset_is_served_with_its_type_and_long_caching() {
        for asset in ASSETS {
            let res = get(&format!("/playground/{}", asset.name)).await;
            assert_eq!(res.status(), StatusCode::OK, "{}", asset.name);
            let h = res.headers();
            assert_eq!(
                h[header::CONTENT_TYPE],
                asset.content_type,
                "{}",
                asset.name
            );
            assert_eq!(h[header::CACHE_CONTROL], IMMUTABLE, "{}", asset.name);
            let body = res.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(body.len(), asset.body.len(), "{}", asset.name);
        }
    }

    #[tokio::test]
    async fn unknown_files_are_not_found() {
        for uri in [
            "/playground/nope.js",
            "/playground/index.html",
            "/playground/..%2FCargo.toml",
            "/playground/",
        ] {
            assert_eq!(get(uri).await.status(), StatusCode::NOT_FOUND, "{uri}");
        }
    }
}
