//! Logging and tracing, set up once per process by [`init`]: `RUST_LOG`
//! filters (default [`DEFAULT_LOG_FILTER`]), lines are text or JSON
//! (`--log-format`), and with the `otlp` cargo feature and an
//! `--otlp-endpoint` the spans are also exported over OTLP (HTTP/protobuf).
//!
//! The spans: `http_request` per HTTP request (method, path, `request_id`,
//! the `x-request-id` the request came with or was given), `graphql` per
//! GraphQL operation (`operation`, `outcome`), and with `--resolver-spans`
//! async-graphql's own for parsing, validation, execution and each field
//! resolving to an object (`async_graphql::graphql` target).

use tracing::Subscriber;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::{LogFormat, TelemetryConfig};

/// What is logged when `RUST_LOG` is not set. async-graphql's DataLoader
/// opens four spans for every `load_one` at INFO: a page of 4,000 rows
/// would open 16,000.
pub const DEFAULT_LOG_FILTER: &str = "info,sqlx=warn,async_graphql::dataloader=warn";

#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[cfg(feature = "otlp")]
    #[error("cannot export traces to {endpoint}: {source}")]
    Otlp {
        endpoint: String,
        source: opentelemetry_otlp::ExporterBuildError,
    },
    #[error("logging was set up already: {0}")]
    AlreadySet(#[from] tracing_subscriber::util::TryInitError),
}

/// Keeps the trace export running; dropping it sends the spans still
/// buffered. Hold it until the process ends.
#[must_use = "dropping it stops the trace export"]
#[derive(Debug)]
pub struct Telemetry {
    #[cfg(feature = "otlp")]
    provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        #[cfg(feature = "otlp")]
        if let Some(provider) = self.provider.take()
            && let Err(err) = provider.shutdown()
        {
            eprintln!("standards-registry: exporting the last traces failed: {err}");
        }
    }
}

/// `RUST_LOG`, or [`DEFAULT_LOG_FILTER`] when it is unset or unreadable.
pub fn env_filter() -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_LOG_FILTER))
}

/// The layer writing log lines to `writer`: text, or one JSON object a line
/// with the current span and the list of spans the event happened in.
pub fn log_layer<S, W>(format: LogFormat, writer: W) -> Box<dyn Layer<S> + Send + Sync>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    match format {
        LogFormat::Text => tracing_subscriber::fmt::layer().with_writer(writer).boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .with_writer(writer)
            .boxed(),
    }
}

/// What a build without the `otlp` feature says, once, when it is given an
/// endpoint: it runs on without exporting.
pub const OTLP_NOT_BUILT_WARNING: &str = "standards-registry: warning: --otlp-endpoint (or \
     OTEL_EXPORTER_OTLP_ENDPOINT) is set, but this build cannot export traces: running without \
     exporting them (build with `--features otlp` to export)";

/// Sets up the process' logging (to stdout) and, when asked, trace export.
/// A build without the `otlp` feature given an endpoint warns once, on
/// stderr (stdout may be a command's output, as `export-schema`'s), and runs
/// on: `OTEL_EXPORTER_OTLP_ENDPOINT` is often set for every process of a
/// host or a pod, not for this one.
pub fn init(config: &TelemetryConfig) -> Result<Telemetry, TelemetryError> {
    let endpoint = config
        .otlp_endpoint
        .as_deref()
        .map(str::trim)
        .filter(|endpoint| !endpoint.is_empty());
    let registry = tracing_subscriber::registry()
        .with(env_filter())
        .with(log_layer(config.log_format, std::io::stdout));
    #[cfg(feature = "otlp")]
    {
        let (layer, provider) = match endpoint {
            Some(endpoint) => {
                let (layer, provider) = otlp::layer(endpoint)?;
                (Some(layer), Some(provider))
            }
            None => (None, None),
        };
        registry.with(layer).try_init()?;
        Ok(Telemetry { provider })
    }
    #[cfg(not(feature = "otlp"))]
    {
        registry.try_init()?;
        if endpoint.is_some() {
            eprintln!("{OTLP_NOT_BUILT_WARNING}");
        }
        Ok(Telemetry {})
    }
}

/// Makes `span` a child of the trace a caller (a federation gateway) names
/// in its W3C `traceparent` header, so the subgraph's spans join the
/// gateway's trace. Only with the `otlp` feature and an exporter running;
/// otherwise nothing.
pub fn continue_remote_trace(span: &tracing::Span, headers: &axum::http::HeaderMap) {
    #[cfg(feature = "otlp")]
    otlp::continue_remote_trace(span, headers);
    #[cfg(not(feature = "otlp"))]
    let _ = (span, headers);
}

#[cfg(feature = "otlp")]
mod otlp {
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_otlp::WithExportConfig;
    use opentelemetry_sdk::Resource;
    use opentelemetry_sdk::trace::SdkTracerProvider;
    use tracing::Subscriber;
    use tracing_subscriber::registry::LookupSpan;

    use super::TelemetryError;

    const SERVICE_NAME: &str = env!("CARGO_PKG_NAME");

    /// The layer sending spans to the collector at `endpoint`, in batches
    /// from a thread of the SDK's own, and its provider (to flush at exit).
    pub(super) fn layer<S>(
        endpoint: &str,
    ) -> Result<
        (
            tracing_opentelemetry::OpenTelemetryLayer<S, opentelemetry_sdk::trace::SdkTracer>,
            SdkTracerProvider,
        ),
        TelemetryError,
    >
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        let url = traces_url(endpoint);
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(&url)
            .build()
            .map_err(|source| TelemetryError::Otlp {
                endpoint: url.clone(),
                source,
            })?;
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(Resource::builder().with_service_name(SERVICE_NAME).build())
            .build();
        let tracer = provider.tracer(SERVICE_NAME);
        Ok((tracing_opentelemetry::layer().with_tracer(tracer), provider))
    }

    pub(super) fn continue_remote_trace(span: &tracing::Span, headers: &axum::http::HeaderMap) {
        use opentelemetry::propagation::{Extractor, TextMapPropagator};
        use opentelemetry::trace::TraceContextExt;
        use opentelemetry_sdk::propagation::TraceContextPropagator;
        use tracing_opentelemetry::OpenTelemetrySpanExt;

        struct Headers<'a>(&'a axum::http::HeaderMap);

        impl Extractor for Headers<'_> {
            fn get(&self, key: &str) -> Option<&str> {
                self.0.get(key).and_then(|value| value.to_str().ok())
            }

            fn keys(&self) -> Vec<&str> {
                self.0.keys().map(|name| name.as_str()).collect()
            }
        }

        if !headers.contains_key("traceparent") {
            return;
        }
        let parent = TraceContextPropagator::new().extract(&Headers(headers));
        if parent.span().span_context().is_valid() {
            // Err only when no OpenTelemetry layer runs: nothing to join then.
            let _ = span.set_parent(parent);
        }
    }

    /// OTEL_EXPORTER_OTLP_ENDPOINT names the collector's base URL; traces go
    /// to its `/v1/traces`. A URL already ending so is taken as it is.
    fn traces_url(endpoint: &str) -> String {
        let endpoint = endpoint.trim_end_matches('/');
        if endpoint.ends_with("/v1/traces") {
            endpoint.to_owned()
        } else {
            format!("{endpoint}/v1/traces")
        }
    }
}
