//! [`Capture`]: the `tracing` subscriber the tests read logs from.

use std::sync::Arc;

/// A `tracing` subscriber that keeps every event and span, one line each (`LEVEL target
/// field=value…`), enabled at TRACE: what the tests scan logs with.
#[derive(Clone, Default)]
pub struct Capture {
    pub text: Arc<std::sync::Mutex<String>>,
    next_span: Arc<std::sync::atomic::AtomicU64>,
}

pub struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let _ = std::fmt::Write::write_fmt(self.0, format_args!(" {}={value:?}", field.name()));
    }
}

impl Capture {
    fn line(&self, head: String, fill: impl FnOnce(&mut Fields<'_>)) {
        let mut line = head;
        fill(&mut Fields(&mut line));
        line.push('\n');
        self.text.lock().unwrap().push_str(&line);
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let m = span.metadata();
        self.line(format!("SPAN {} {} {}", m.level(), m.target(), m.name()), |f| span.record(f));
        tracing::span::Id::from_u64(self.next_span.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        self.line("RECORD".to_owned(), |f| values.record(f));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let m = event.metadata();
        self.line(format!("{} {}", m.level(), m.target()), |f| event.record(f));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}
