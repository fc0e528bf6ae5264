//! The stdio transport: newline-delimited JSON-RPC, read and written here rather
//! than by rmcp's generic codec for one reason: a tool result's JSON goes out as the
//! text block and again, verbatim, as `structuredContent`, without ever being parsed
//! into a `serde_json::Value` tree. For a 1 MB answer that tree cost more than the
//! rest of the call together.
//!
//! Reading follows rmcp's stdio transport: lines of at most [`MAX_LINE`] bytes;
//! a line that is not UTF-8 JSON gets "Parse error" with id null, well-formed JSON
//! that is no JSON-RPC message "Invalid Request". Every request with an id gets one answer, even when rmcp
//! cannot read it: an id rmcp cannot hold (an integer beyond `i64`) travels through
//! rmcp as a stand-in string and goes back out exactly as sent; params too deep or
//! with numbers out of range get "Invalid Params"; an id that is no MCP id (null,
//! 1.5, an object) gets "Invalid Request" with id null.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rmcp::RoleServer;
use rmcp::model::{
    CallToolResult, ClientJsonRpcMessage, ClientNotification, ClientRequest, ErrorData,
    JsonRpcMessage, JsonRpcResponse, RequestId, ServerJsonRpcMessage, ServerResult,
};
use rmcp::transport::Transport;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{Mutex, Notify};

/// `_meta` key on a [`CallToolResult`] whose first text block is a JSON object that
/// is also its `structuredContent`. The writer consumes it; it never goes on the wire.
/// Set and read only here, so the mark and the writer that honours it stay together.
const STRUCTURED_FROM_TEXT: &str = "com.digiusher/structured-from-text";

/// Asks the writer to send `result`'s first text block again, verbatim, as its
/// `structuredContent`, instead of the server parsing and re-encoding it.
pub fn mark_structured(result: &mut CallToolResult) {
    let mut meta = result.meta.take().map(|m| m.0).unwrap_or_default();
    meta.insert(STRUCTURED_FROM_TEXT.into(), serde_json::Value::Bool(true));
    result.meta = Some(meta.into());
}

/// Longest accepted incoming line; longer ones are dropped (as rmcp does).
const MAX_LINE: usize = 16 * 1024 * 1024;

/// Shared by `send` futures, which rmcp runs concurrently, and by `receive`.
type Writer<W> = Arc<Mutex<Option<W>>>;

pub struct Stdio<R, W> {
    read: BufReader<R>,
    /// The line being read; survives a cancelled `receive`.
    line: Vec<u8>,
    /// Inside a line that was too long, until its newline.
    discarding: bool,
    write: Writer<W>,
    eof: Arc<Notify>,
    /// Ids rmcp cannot hold, shared with the `send` futures that restore them.
    ids: Arc<Surrogates>,
    /// Our own error answers, each written by its own task; awaited at close.
    answers: tokio::task::JoinSet<()>,
    max_line: usize,
}

impl<R, W> Stdio<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    /// `eof` is notified when the peer closes its end of the input.
    pub fn new(read: R, write: W, eof: Arc<Notify>) -> Stdio<R, W> {
        Stdio {
            read: BufReader::new(read),
            line: Vec::new(),
            discarding: false,
            write: Arc::new(Mutex::new(Some(write))),
            eof,
            ids: Arc::new(Surrogates::new()),
            answers: tokio::task::JoinSet::new(),
            max_line: MAX_LINE,
        }
    }

    /// A transport with a shorter line limit, to test long lines cheaply.
    #[cfg(test)]
    fn with_max_line(mut self, max_line: usize) -> Stdio<R, W> {
        self.max_line = max_line;
        self
    }

    /// Read up to the next newline (or the end of input) into `self.line`.
    /// Cancel-safe: bytes move from the buffer into `self.line` with no await
    /// in between.
    async fn read_line(&mut self) -> std::io::Result<Line> {
        loop {
            let available = self.read.fill_buf().await?;
            if available.is_empty() {
                // A last message without its newline still counts.
                if !self.line.is_empty() && !self.discarding {
                    return Ok(Line::Complete);
                }
                return Ok(Line::Eof);
            }
            let (taken, complete) = match memchr::memchr(b'\n', available) {
                Some(i) => (i + 1, true),
                None => (available.len(), false),
            };
            if !self.discarding {
                if self.line.len() + taken > self.max_line {
                    self.discarding = true;
                    self.line = Vec::new();
                } else {
                    self.line.extend_from_slice(&available[..taken]);
                }
            }
            self.read.consume(taken);
            if complete {
                if std::mem::take(&mut self.discarding) {
                    return Ok(Line::TooLong);
                }
                return Ok(Line::Complete);
            }
        }
    }
}

enum Line {
    Complete,
    TooLong,
    Eof,
}

impl<R, W> Stdio<R, W>
where
    W: AsyncWrite + Unpin + Send + 'static,
{
    /// Answer `id` (as sent; `None` is null) with `error`, from its own task so a
    /// cancelled `receive` cannot cut it short.
    fn answer(&mut self, id: Option<String>, error: ErrorData) {
        let write = self.write.clone();
        self.answers.spawn(async move {
            if let Ok(frame) = error_frame(id.as_deref(), &error) {
                let _ = write_frame(&write, &frame).await;
            }
        });
    }
}

/// A request for a method MCP does not define: its id as sent, and the method.
/// Hosts probe with such methods; they get -32601 without a warning in the log.
fn unknown_method(message: &ClientJsonRpcMessage, ids: &Surrogates) -> Option<(String, String)> {
    let JsonRpcMessage::Request(request) = message else {
        return None;
    };
    let ClientRequest::CustomRequest(custom) = &request.request else {
        return None;
    };
    let id = match ids.take(&request.id) {
        Some(original) => original,
        None => serde_json::to_string(&request.id).ok()?,
    };
    Some((id, custom.method.chars().take(100).collect()))
}

fn method_not_found(method: &str) -> ErrorData {
    ErrorData::new(
        rmcp::model::ErrorCode::METHOD_NOT_FOUND,
        format!("Method not found: {method}"),
        None,
    )
}

impl<R, W> Transport<RoleServer> for Stdio<R, W>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    type Error = std::io::Error;

    fn send(
        &mut self,
        item: ServerJsonRpcMessage,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let write = self.write.clone();
        let original = reply_id(&item).and_then(|id| Some((id.clone(), self.ids.take(id)?)));
        async move {
            let mut frame = encode(item)?;
            if let Some((surrogate, original)) = original {
                frame = restore_id(frame, &surrogate, &original);
            }
            write_frame(&write, &frame).await
        }
    }

    async fn receive(&mut self) -> Option<ClientJsonRpcMessage> {
        loop {
            match self.read_line().await {
                Ok(Line::Complete) => {}
                Ok(Line::TooLong) => {
                    tracing::error!(
                        max_bytes = self.max_line,
                        "incoming message longer than the limit; dropped"
                    );
                    continue;
                }
                Ok(Line::Eof) => {
                    self.eof.notify_one();
                    return None;
                }
                Err(e) => {
                    tracing::error!("cannot read stdin: {e}");
                    self.eof.notify_one();
                    return None;
                }
            }
            let decoded = decode(&self.line, &self.ids);
            self.line.clear();
            while self.answers.try_join_next().is_some() {}
            match decoded {
                Decoded::Message(message) => match unknown_method(&message, &self.ids) {
                    // Answered here: rmcp would log every one as a warning.
                    Some((id, method)) => {
                        tracing::debug!(method, "method not found");
                        self.answer(Some(id), method_not_found(&method));
                    }
                    None => return Some(*message),
                },
                Decoded::Skip => {}
                Decoded::Answer { id, error } => self.answer(id, error),
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        // Our own answers go out before stdout closes.
        while self.answers.join_next().await.is_some() {}
        let mut write = self.write.lock().await;
        if let Some(mut w) = write.take() {
            w.flush().await?;
        }
        Ok(())
    }
}

async fn write_frame<W: AsyncWrite + Unpin>(
    write: &Writer<W>,
    frame: &[u8],
) -> std::io::Result<()> {
    let mut guard = write.lock().await;
    let Some(w) = guard.as_mut() else {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotConnected,
            "stdout is closed",
        ));
    };
    w.write_all(frame).await?;
    w.flush().await
}

enum Decoded {
    Message(Box<ClientJsonRpcMessage>),
    /// Nothing to answer: blank, unparsable, a notification or a response.
    Skip,
    /// Answer with this error; `id` is the request's id as sent, or `null`.
    Answer {
        id: Option<String>,
        error: ErrorData,
    },
}

fn decode(line: &[u8], ids: &Surrogates) -> Decoded {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Decoded::Skip;
    }
    match serde_json::from_slice::<ClientJsonRpcMessage>(line) {
        Ok(message) if unread_cancel(&message) => {
            let cancel = std::str::from_utf8(line)
                .ok()
                .and_then(|text| cancel_by_surrogate(text, ids));
            Decoded::Message(Box::new(cancel.unwrap_or(message)))
        }
        Ok(message) => Decoded::Message(Box::new(message)),
        // Only here, off the hot path, is the line looked at again.
        Err(error) => recover(line, error, ids),
    }
}

/// The members of a message that decide how to answer it, read without building
/// any value: `RawValue` and `IgnoredAny` skip nested JSON without a depth limit
/// and numbers without converting them.
#[derive(serde::Deserialize)]
struct Envelope<'a> {
    #[serde(default, borrow, deserialize_with = "present")]
    id: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    method: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    params: Option<&'a RawValue>,
    #[serde(default, deserialize_with = "present")]
    result: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "present")]
    error: Option<IgnoredAny>,
}

/// `Some` for a member that is there, even when it is `null` (which plain
/// `Option` would read as absent).
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// A line that is no message rmcp reads: find out whether it has an id to answer
/// to, and with which error.
fn recover(line: &[u8], error: serde_json::Error, ids: &Surrogates) -> Decoded {
    let Ok(text) = std::str::from_utf8(line) else {
        tracing::warn!("parse error: an input line is not valid UTF-8");
        return parse_error("the line is not valid UTF-8");
    };
    if let Err(error) = serde_json::from_str::<IgnoredAny>(text) {
        // JSON-RPC answers it with id null; our answer is a response, which a
        // peer that echoes it back sends us as a response we skip: no echo storm.
        // The line itself is not logged: it may hold anything.
        tracing::warn!("parse error: an input line is not JSON ({error})");
        return parse_error("the line is not JSON");
    }
    if !text.trim_start().starts_with('{') {
        tracing::debug!("invalid request: a JSON value that is not an object");
        return invalid_request(None);
    }
    let Ok(envelope) = serde_json::from_str::<Envelope>(text) else {
        // Well-formed, yet its members cannot be told apart (a repeated key).
        tracing::debug!("invalid request: {error}");
        return invalid_request(None);
    };
    let Some(method) = envelope.method else {
        if envelope.result.is_some() || envelope.error.is_some() {
            tracing::debug!("ignoring a response we cannot read: {error}");
            return Decoded::Skip;
        }
        let id = envelope.id.filter(|id| valid_id(id)).map(|id| id.get());
        return invalid_request(id);
    };
    let Some(id) = envelope.id else {
        // A notification gets no answer, not even an error.
        tracing::debug!("ignoring notification we do not understand: {error}");
        return Decoded::Skip;
    };
    if !valid_id(id) {
        tracing::debug!(id = id.get(), "invalid request id");
        return invalid_request(None);
    }
    let error = match beyond_i64(id)
        .then(|| with_surrogate(text, id, ids))
        .flatten()
    {
        Some(Ok(message)) => return Decoded::Message(Box::new(message)),
        Some(Err(error)) => error,
        None => error,
    };
    if error.is_syntax() && envelope.params.is_some() {
        // Well-formed JSON the parser still refuses: too deep, or a number out of range.
        tracing::debug!(method = method.get(), "unreadable params: {error}");
        return Decoded::Answer {
            id: Some(id.get().to_owned()),
            error: ErrorData::invalid_params(
                format!(
                    "Invalid params: they cannot be read ({error}). Nest JSON at most 128 \
                     levels deep and keep numbers within the range of a 64-bit float."
                ),
                None,
            ),
        };
    }
    tracing::debug!("invalid request: {error}");
    invalid_request(Some(id.get()))
}

fn parse_error(why: &str) -> Decoded {
    Decoded::Answer {
        id: None,
        error: ErrorData::new(
            rmcp::model::ErrorCode::PARSE_ERROR,
            format!("Parse error: {why}. Send one JSON-RPC message per line, as UTF-8 JSON."),
            None,
        ),
    }
}

fn invalid_request(id: Option<&str>) -> Decoded {
    Decoded::Answer {
        id: id.map(str::to_owned),
        error: ErrorData::invalid_request("Invalid Request: not an MCP message", None),
    }
}

/// MCP ids are strings or integers; rmcp also takes integers in float form (`1e2`).
fn valid_id(id: &RawValue) -> bool {
    let text = id.get();
    text.starts_with('"')
        || integer_literal(text)
        || (text.starts_with(['-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])
            && serde_json::from_str::<RequestId>(text).is_ok())
}

fn integer_literal(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// An integer id rmcp's `RequestId` (an `i64`) cannot hold.
fn beyond_i64(id: &RawValue) -> bool {
    integer_literal(id.get()) && id.get().parse::<i64>().is_err()
}

/// The message read again with a stand-in string for its id, which the writer
/// swaps back. `None` when the id is not where the envelope says (never expected).
fn with_surrogate(
    text: &str,
    id: &RawValue,
    ids: &Surrogates,
) -> Option<Result<ClientJsonRpcMessage, serde_json::Error>> {
    let surrogate = ids.next();
    let message = substitute(text, id, &surrogate)?;
    if message.is_ok() {
        ids.insert(surrogate, id.get().to_owned());
    }
    Some(message)
}

/// A cancellation rmcp could not read as one; its `requestId` may be an id
/// beyond `i64`, which rmcp keeps as an unknown notification.
fn unread_cancel(message: &ClientJsonRpcMessage) -> bool {
    matches!(
        message,
        JsonRpcMessage::Notification(n) if matches!(
            &n.notification,
            ClientNotification::CustomNotification(c) if c.method == "notifications/cancelled"
        )
    )
}

/// A cancellation of a request whose id has a stand-in, read again with the
/// stand-in so that rmcp cancels the right call.
fn cancel_by_surrogate(text: &str, ids: &Surrogates) -> Option<ClientJsonRpcMessage> {
    #[derive(serde::Deserialize)]
    struct Cancel<'a> {
        #[serde(rename = "requestId", borrow)]
        request_id: &'a RawValue,
    }
    let params = serde_json::from_str::<Envelope>(text).ok()?.params?;
    let cancel: Cancel = serde_json::from_str(params.get()).ok()?;
    let surrogate = ids.find(cancel.request_id.get())?;
    substitute(text, cancel.request_id, &surrogate)?.ok()
}

/// `text` read as a message with `part` (a slice of it) replaced by the string
/// `with`. `None` when `part` does not lie inside `text` (never expected).
fn substitute(
    text: &str,
    part: &RawValue,
    with: &str,
) -> Option<Result<ClientJsonRpcMessage, serde_json::Error>> {
    let start = (part.get().as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    let end = start.checked_add(part.get().len())?;
    let (before, after) = (text.get(..start)?, text.get(end..)?);
    let quoted = serde_json::to_string(with).ok()?;
    Some(serde_json::from_str(&[before, &quoted, after].concat()))
}

/// Stand-ins for ids rmcp cannot hold, each mapped to the id's text as sent.
/// The stand-ins carry a random prefix so no client id can be mistaken for one.
struct Surrogates {
    prefix: String,
    count: AtomicU64,
    ids: std::sync::Mutex<HashMap<String, String>>,
}

impl Surrogates {
    fn new() -> Surrogates {
        Surrogates {
            prefix: format!("digiusher-mcp-id-{:016x}-", fastrand::u64(..)),
            count: AtomicU64::new(0),
            ids: std::sync::Mutex::new(HashMap::new()),
        }
    }

    fn next(&self) -> String {
        format!(
            "{}{}",
            self.prefix,
            self.count.fetch_add(1, Ordering::Relaxed)
        )
    }

    fn insert(&self, surrogate: String, original: String) {
        if let Ok(mut ids) = self.ids.lock() {
            ids.insert(surrogate, original);
        }
    }

    /// The stand-in for an id as sent, while its request is unanswered.
    fn find(&self, original: &str) -> Option<String> {
        let ids = self.ids.lock().ok()?;
        let found = ids.iter().find(|(_, sent)| sent.as_str() == original);
        found.map(|(surrogate, _)| surrogate.clone())
    }

    /// The original id behind `id`, taken out: each request is answered once.
    fn take(&self, id: &RequestId) -> Option<String> {
        match id {
            RequestId::String(s) if s.starts_with(&self.prefix) => {
                self.ids.lock().ok()?.remove(&**s)
            }
            _ => None,
        }
    }
}

/// The id of a response or error, which may stand in for another.
fn reply_id(message: &ServerJsonRpcMessage) -> Option<&RequestId> {
    match message {
        JsonRpcMessage::Response(r) => Some(&r.id),
        JsonRpcMessage::Error(e) => e.id.as_ref(),
        _ => None,
    }
}

/// Puts the original id text back into a frame written with its stand-in.
/// rmcp and [`encode_tool_result`] both write `jsonrpc` first, then `id`.
fn restore_id(frame: Vec<u8>, surrogate: &RequestId, original: &str) -> Vec<u8> {
    let Ok(written) = serde_json::to_vec(surrogate) else {
        return frame;
    };
    let Some(rest) = frame
        .strip_prefix(ID_PREFIX)
        .and_then(|rest| rest.strip_prefix(written.as_slice()))
    else {
        tracing::error!("a response with a stand-in id has an unexpected layout");
        return frame;
    };
    [ID_PREFIX, original.as_bytes(), rest].concat()
}

/// How every response and error line starts, up to its id.
const ID_PREFIX: &[u8] = br#"{"jsonrpc":"2.0","id":"#;

/// An error line of our own, with the id exactly as the request had it.
fn error_frame(id: Option<&str>, error: &ErrorData) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(256);
    buf.extend_from_slice(ID_PREFIX);
    buf.extend_from_slice(id.unwrap_or("null").as_bytes());
    buf.extend_from_slice(br#","error":"#);
    serde_json::to_writer(&mut buf, error)?;
    buf.extend_from_slice(b"}\n");
    Ok(buf)
}

/// One message as a line of JSON.
fn encode(message: ServerJsonRpcMessage) -> std::io::Result<Vec<u8>> {
    let mut frame = match message {
        JsonRpcMessage::Response(JsonRpcResponse {
            jsonrpc,
            id,
            result: ServerResult::CallToolResult(mut result),
        }) => match take_mark(&mut result)
            .then(|| object_text(&result))
            .flatten()
        {
            Some(json) => encode_tool_result(&id, &result, json)?,
            None => to_vec(&ServerJsonRpcMessage::Response(JsonRpcResponse {
                jsonrpc,
                id,
                result: ServerResult::CallToolResult(result),
            }))?,
        },
        other => to_vec(&other)?,
    };
    frame.push(b'\n');
    Ok(frame)
}

fn to_vec(value: &impl serde::Serialize) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(256);
    serde_json::to_writer(&mut buf, value)?;
    Ok(buf)
}

/// Takes the [`STRUCTURED_FROM_TEXT`] mark off `result`; true when it was there.
fn take_mark(result: &mut CallToolResult) -> bool {
    let Some(meta) = result.meta.as_mut() else {
        return false;
    };
    let marked = meta.remove(STRUCTURED_FROM_TEXT).is_some();
    if meta.is_empty() {
        result.meta = None;
    }
    marked
}

/// The first block's text when it is a JSON object.
fn object_text(result: &CallToolResult) -> Option<&str> {
    let text = result
        .content
        .first()
        .and_then(|block| block.as_text())
        .map(|t| t.text.as_str())
        .filter(|text| text.starts_with('{'));
    if text.is_none() {
        tracing::error!("a result marked as structured has no JSON object text");
    }
    text
}

/// `{"jsonrpc":"2.0","id":…,"result":{…,"structuredContent":<json>}}`, where
/// `<json>` is written as it is: it is compact JSON already, checked when it
/// arrived from the API.
fn encode_tool_result(
    id: &RequestId,
    result: &CallToolResult,
    json: &str,
) -> std::io::Result<Vec<u8>> {
    // The text block escaped (quotes double at most) plus the object itself.
    let mut buf = Vec::with_capacity(3 * json.len() + 256);
    buf.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
    serde_json::to_writer(&mut buf, id)?;
    buf.extend_from_slice(br#","result":"#);
    serde_json::to_writer(&mut buf, result)?;
    // `result` is an object with at least `content`, so it ends in `}` after a field.
    if buf.pop() != Some(b'}') {
        return Err(std::io::Error::other(
            "tool result did not serialize as an object",
        ));
    }
    buf.extend_from_slice(br#","structuredContent":"#);
    buf.extend_from_slice(json.as_bytes());
    buf.extend_from_slice(b"}}");
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use rmcp::model::{ClientRequest, ContentBlock};
    use serde_json::json;
    use tokio::io::{AsyncReadExt, duplex};

    use serde_json::Value;

    use super::*;

    fn tool_response(result: CallToolResult) -> ServerJsonRpcMessage {
        ServerJsonRpcMessage::response(ServerResult::CallToolResult(result), RequestId::Number(7))
    }

    fn marked(mut result: CallToolResult) -> CallToolResult {
        mark_structured(&mut result);
        result
    }

    fn written(message: ServerJsonRpcMessage) -> Value {
        let frame = encode(message).unwrap();
        assert_eq!(frame.last(), Some(&b'\n'));
        assert_eq!(frame.iter().filter(|&&b| b == b'\n').count(), 1, "one line");
        serde_json::from_slice(&frame).unwrap()
    }

    #[test]
    fn a_marked_result_carries_its_text_as_structured_content() {
        let text = r#"{"rows":[{"name":"a \"quoted\" é"}],"n":1}"#;
        let result = marked(CallToolResult::success(vec![
            ContentBlock::text(text),
            ContentBlock::text("Note: x"),
        ]));
        let v = written(tool_response(result));
        assert_eq!(v["jsonrpc"], "2.0");
        assert_eq!(v["id"], 7);
        assert_eq!(v["result"]["content"][0]["text"], text);
        assert_eq!(v["result"]["content"][1]["text"], "Note: x");
        assert_eq!(
            v["result"]["structuredContent"],
            serde_json::from_str::<Value>(text).unwrap()
        );
        assert_eq!(v["result"]["isError"], false);
        assert!(v["result"].get("_meta").is_none(), "the mark stays here");
    }

    #[test]
    fn other_meta_survives_the_mark() {
        let mut result = marked(CallToolResult::success(vec![ContentBlock::text("{}")]));
        if let Some(meta) = result.meta.as_mut() {
            meta.insert("other".into(), json!(1));
        }
        let v = written(tool_response(result));
        assert_eq!(v["result"]["_meta"], json!({"other": 1}));
        assert_eq!(v["result"]["structuredContent"], json!({}));
    }

    #[test]
    fn unmarked_or_non_object_results_get_no_structured_content() {
        let v = written(tool_response(CallToolResult::success(vec![
            ContentBlock::text(r#"{"a":1}"#),
        ])));
        assert!(v["result"].get("structuredContent").is_none());
        let v = written(tool_response(marked(CallToolResult::success(vec![
            ContentBlock::text("[1]"),
        ]))));
        assert!(v["result"].get("structuredContent").is_none());
        assert!(v["result"].get("_meta").is_none());
        assert_eq!(v["result"]["content"][0]["text"], "[1]");
    }

    fn transport(
        input: &[u8],
    ) -> (
        Stdio<std::io::Cursor<Vec<u8>>, tokio::io::DuplexStream>,
        tokio::io::DuplexStream,
        Arc<Notify>,
    ) {
        let (write, read) = duplex(64 * 1024);
        let eof = Arc::new(Notify::new());
        (
            Stdio::new(std::io::Cursor::new(input.to_vec()), write, eof.clone()),
            read,
            eof,
        )
    }

    #[tokio::test]
    async fn input_lines_are_read_and_noise_skipped() {
        let input = concat!(
            "\u{feff}{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\r\n",
            "\n",
            "this is not json\n",
            "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":\"bad\"}\n",
            "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}",
        );
        let (mut t, _out, eof) = transport(input.as_bytes());
        let first = t.receive().await.unwrap();
        assert!(matches!(
            first,
            JsonRpcMessage::Request(r) if matches!(r.request, ClientRequest::PingRequest(_))
        ));
        let second = t.receive().await.unwrap();
        assert!(matches!(
            second,
            JsonRpcMessage::Request(r) if r.id == RequestId::Number(2)
        ));
        assert!(t.receive().await.is_none());
        // The end of input was announced.
        tokio::time::timeout(std::time::Duration::from_secs(1), eof.notified())
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_request_we_cannot_read_gets_invalid_request_with_its_id() {
        let input = b"{\"jsonrpc\":\"2.0\",\"id\":\"q\",\"method\":42}\n";
        let (mut t, mut out, _eof) = transport(input);
        assert!(t.receive().await.is_none());
        let mut line = Vec::new();
        while !line.ends_with(b"\n") {
            let mut byte = [0u8];
            out.read_exact(&mut byte).await.unwrap();
            line.push(byte[0]);
        }
        let v: Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(v["id"], "q");
        assert_eq!(v["error"]["code"], -32600);
    }

    #[tokio::test]
    async fn an_oversized_line_is_dropped_and_the_next_one_read() {
        let mut input = vec![b'x'; MAX_LINE + 10];
        input.extend_from_slice(b"\n{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}\n");
        let (mut t, _out, _eof) = transport(&input);
        let message = t.receive().await.unwrap();
        assert!(matches!(message, JsonRpcMessage::Request(r) if r.id == RequestId::Number(3)));
    }

    #[tokio::test]
    async fn sends_are_whole_lines() {
        let (mut t, mut out, _eof) = transport(b"");
        let big = format!(r#"{{"s":"{}"}}"#, "y".repeat(200_000));
        let mut sends = Vec::new();
        for _ in 0..4 {
            sends.push(t.send(tool_response(marked(CallToolResult::success(vec![
                ContentBlock::text(big.clone()),
            ])))));
        }
        let reader = tokio::spawn(async move {
            let mut all = Vec::new();
            out.read_to_end(&mut all).await.unwrap();
            all
        });
        for send in sends {
            send.await.unwrap();
        }
        t.close().await.unwrap();
        drop(t);
        let all = reader.await.unwrap();
        let lines: Vec<&[u8]> = all
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(lines.len(), 4);
        for line in lines {
            let v: Value = serde_json::from_slice(line).unwrap();
            assert_eq!(
                v["result"]["structuredContent"]["s"].as_str().map(str::len),
                Some(200_000)
            );
        }
    }

    fn answer(line: &str) -> Decoded {
        decode(line.as_bytes(), &Surrogates::new())
    }

    /// The id text and error code of an answer the transport writes itself.
    fn answered(line: &str) -> (String, i32) {
        match answer(line) {
            Decoded::Answer { id, error } => (id.unwrap_or("null".into()), error.code.0),
            Decoded::Message(m) => panic!("read as a message: {m:?}"),
            Decoded::Skip => panic!("ignored: {line}"),
        }
    }

    fn nested(depth: usize) -> String {
        format!(r#"{{"x":{}1{}}}"#, "[".repeat(depth), "]".repeat(depth))
    }

    #[test]
    fn invalid_ids_get_invalid_request_with_id_null() {
        for id in ["1.5", "null", r#"{"a":1}"#, "[1]", "true", "1e400", "-0.5"] {
            let line = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"ping"}}"#);
            assert_eq!(answered(&line), ("null".into(), -32600), "{line}");
        }
        // Not objects at all.
        assert_eq!(answered("[]"), ("null".into(), -32600));
        assert_eq!(answered("42"), ("null".into(), -32600));
    }

    #[test]
    fn unreadable_params_get_invalid_params_with_the_id_as_sent() {
        let big = "9".repeat(5000);
        for (id, arguments) in [
            ("7", nested(200)),
            ("\"s\\u0041\"", r#"{"x":1e400}"#.to_string()),
            ("18446744073709551615", format!(r#"{{"x":{big}}}"#)),
            ("-99999999999999999999", r#"{"x":"\ud800"}"#.to_string()),
        ] {
            let line = format!(
                r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"list_pools","arguments":{arguments}}}}}"#
            );
            assert_eq!(answered(&line), (id.to_string(), -32602), "{line}");
        }
        // The message says what is wrong.
        let line = format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"a","arguments":{}}}}}"#,
            nested(300)
        );
        let Decoded::Answer { error, .. } = answer(&line) else {
            panic!("not answered")
        };
        assert!(
            error.message.contains("recursion limit"),
            "{}",
            error.message
        );
        assert!(error.message.contains("128 levels"), "{}", error.message);
    }

    #[test]
    fn notifications_and_responses_we_cannot_read_get_no_answer() {
        for line in [
            r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1e400}}"#,
            r#"{"jsonrpc":"2.0","id":3,"result":{"x":1e400}}"#,
            r#"{"jsonrpc":"2.0","id":null,"error":{"code":1,"message":"x","data":1e400}}"#,
        ] {
            assert!(matches!(answer(line), Decoded::Skip), "{line}");
        }
    }

    #[test]
    fn lines_that_are_not_json_get_a_parse_error_with_id_null() {
        for line in [
            r#"{"jsonrpc":"2.0","id":1,"method":"ping""#,
            "this is not json",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}}",
        ] {
            assert_eq!(answered(line), ("null".into(), -32700), "{line}");
        }
        let not_utf8 = b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"x\":\"\xff\"}";
        let Decoded::Answer { id: None, error } = decode(not_utf8, &Surrogates::new()) else {
            panic!("a line that is not UTF-8 is answered");
        };
        assert_eq!(error.code.0, -32700);
        assert!(!error.message.contains("jsonrpc"), "{}", error.message);
    }

    #[test]
    fn an_id_beyond_i64_goes_through_rmcp_as_a_stand_in() {
        let ids = Surrogates::new();
        let line = br#"{"jsonrpc":"2.0","id":18446744073709551615,"method":"ping"}"#;
        let Decoded::Message(message) = decode(line, &ids) else {
            panic!("not read")
        };
        let JsonRpcMessage::Request(request) = *message else {
            panic!("not a request")
        };
        assert!(matches!(&request.id, RequestId::String(s) if s.starts_with(&ids.prefix)));
        let response = ServerJsonRpcMessage::response(
            ServerResult::CallToolResult(marked(CallToolResult::success(vec![
                ContentBlock::text(r#"{"a":1}"#),
            ]))),
            request.id.clone(),
        );
        let original = ids.take(&request.id).unwrap();
        let frame = restore_id(encode(response).unwrap(), &request.id, &original);
        let text = String::from_utf8(frame).unwrap();
        assert!(
            text.starts_with(r#"{"jsonrpc":"2.0","id":18446744073709551615,"result":{"#),
            "{text}"
        );
        assert!(
            text.ends_with("\"structuredContent\":{\"a\":1}}}\n"),
            "{text}"
        );
        // Answered once: the stand-in is gone.
        assert!(ids.take(&request.id).is_none());
        // A cancellation of it reaches rmcp with the stand-in.
        let ids = Surrogates::new();
        let line = br#"{"jsonrpc":"2.0","id":-18446744073709551616,"method":"ping"}"#;
        let Decoded::Message(message) = decode(line, &ids) else {
            panic!("not read")
        };
        let JsonRpcMessage::Request(ping) = *message else {
            panic!("not a request")
        };
        let cancel = br#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":-18446744073709551616}}"#;
        let Decoded::Message(message) = decode(cancel, &ids) else {
            panic!("cancellation not read")
        };
        let JsonRpcMessage::Notification(n) = *message else {
            panic!("not a notification")
        };
        let notification = n.notification;
        let rmcp::model::ClientNotification::CancelledNotification(c) = &notification else {
            panic!("not a cancellation: {notification:?}")
        };
        assert_eq!(c.params.request_id, Some(ping.id));
        // A cancellation of an id we never saw stays an unknown notification.
        let other = br#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":18446744073709551616}}"#;
        let Decoded::Message(message) = decode(other, &ids) else {
            panic!("not read")
        };
        assert!(unread_cancel(&message));
        // rmcp's own error layout also starts with jsonrpc, then id.
        let error = ServerJsonRpcMessage::error(
            ErrorData::internal_error("x", None),
            Some(request.id.clone()),
        );
        let frame = restore_id(encode(error).unwrap(), &request.id, &original);
        assert!(frame.starts_with(br#"{"jsonrpc":"2.0","id":18446744073709551615,"error":"#));
    }

    /// Input handed out in chunks of the given sizes, to cut lines anywhere.
    struct Chunked {
        data: Vec<u8>,
        at: usize,
        sizes: Vec<usize>,
        turn: usize,
    }

    impl AsyncRead for Chunked {
        fn poll_read(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            let this = self.get_mut();
            let size = this.sizes.get(this.turn % this.sizes.len().max(1)).copied();
            this.turn += 1;
            let end = this
                .data
                .len()
                .min(this.at.saturating_add(size.unwrap_or(usize::MAX).max(1)));
            let end = end.min(this.at + buf.remaining());
            buf.put_slice(&this.data[this.at..end]);
            this.at = end;
            std::task::Poll::Ready(Ok(()))
        }
    }

    const INITIALIZE: &str = concat!(
        r#"{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-06-18","#,
        r#""capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#,
        "\n",
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        "\n"
    );

    /// The whole server, unconfigured (tool calls answer at once, no network),
    /// fed `input` after initialize; returns every line it wrote.
    async fn serve(input: &[u8], sizes: Vec<usize>, max_line: usize) -> Vec<Vec<u8>> {
        use rmcp::ServiceExt;
        let (write, mut read) = duplex(1 << 16);
        let output = tokio::spawn(async move {
            let mut all = Vec::new();
            read.read_to_end(&mut all).await.unwrap();
            all
        });
        let data = [INITIALIZE.as_bytes(), input].concat();
        let reader = Chunked {
            data,
            at: 0,
            sizes,
            turn: 0,
        };
        let transport = Stdio::new(reader, write, Arc::new(Notify::new())).with_max_line(max_line);
        let service = crate::server::DigiUsherServer::new(Err(crate::config::ConfigError::Value {
            source_name: "test".into(),
            message: "not configured".into(),
        }))
        .serve(transport)
        .await
        .expect("initialize");
        let _ = service.waiting().await;
        let all = output.await.unwrap();
        assert!(
            all.is_empty() || all.ends_with(b"\n"),
            "output ends mid-line"
        );
        all.split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(<[u8]>::to_vec)
            .collect()
    }

    /// One line of our output, read with its id as written.
    #[derive(serde::Deserialize)]
    struct Out<'a> {
        jsonrpc: &'a str,
        #[serde(borrow)]
        id: &'a RawValue,
        error: Option<ErrorData>,
        result: Option<&'a RawValue>,
    }

    /// Every output line is one JSON-RPC response or error; returns `(id, code)`,
    /// code 0 for a result, without the initialize response.
    fn answers(lines: &[Vec<u8>]) -> Vec<(String, i32)> {
        let mut out = Vec::new();
        for line in lines {
            let text = std::str::from_utf8(line).expect("UTF-8 output");
            let o: Out = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"));
            assert_eq!(o.jsonrpc, "2.0");
            assert!(o.error.is_some() != o.result.is_some(), "{text}");
            if o.id.get() != r#""init""# {
                out.push((o.id.get().to_owned(), o.error.map_or(0, |e| e.code.0)));
            }
        }
        out.sort();
        out
    }

    #[tokio::test]
    async fn every_request_from_the_issue_is_answered_once_through_the_server() {
        let big = "1".repeat(5000);
        let call = |id: &str, arguments: &str| {
            format!(
                r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"list_pools","arguments":{arguments}}}}}"#
            )
        };
        let lines = [
            call("1", &nested(129)),
            call("2", r#"{"x":1e400}"#),
            call("3", &format!(r#"{{"x":{big}}}"#)),
            r#"{"jsonrpc":"2.0","id":18446744073709551615,"method":"ping"}"#.into(),
            call("-18446744073709551616", "{}"),
            r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#.into(),
            r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#.into(),
            r#"{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"#.into(),
            call("4", "{}"),
        ];
        let input = lines.join("\n") + "\n";
        let got = answers(&serve(input.as_bytes(), vec![], MAX_LINE).await);
        let mut want: Vec<(String, i32)> = [
            ("1", -32602),
            ("2", -32602),
            ("3", -32602),
            ("18446744073709551615", 0),
            ("-18446744073709551616", 0),
            ("null", -32600),
            ("null", -32600),
            ("null", -32600),
            ("4", 0),
        ]
        .iter()
        .map(|(id, code)| (id.to_string(), *code))
        .collect();
        want.sort();
        assert_eq!(got, want);
    }

    mod hostile_lines {
        //! Property: whatever the bytes and however they are cut, the server never
        //! panics, writes only JSON-RPC lines, and answers every line that carries
        //! an id exactly once (lines over the limit are dropped, as documented).
        //! `PROPTEST_CASES` raises the number of cases.

        use proptest::prelude::*;

        use super::*;

        const LIMIT: usize = 1024;

        #[derive(Debug, Clone)]
        enum Id {
            Small(i64),
            Big(bool),
            Text,
            Invalid(&'static str),
        }

        #[derive(Debug, Clone)]
        enum Body {
            Method(&'static str),
            Call(&'static str, Value),
            Deep(usize),
            Unreadable(&'static str),
            NoMethod,
        }

        #[derive(Debug, Clone)]
        enum Piece {
            Request(Id, Body),
            Notification(bool),
            Response(bool),
            Garbage(Vec<u8>),
            Long(usize),
            Blank(&'static str),
        }

        fn json() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<i64>().prop_map(Value::from),
                any::<f64>().prop_map(|f| serde_json::json!(f)),
                any::<String>().prop_map(Value::from),
            ];
            leaf.prop_recursive(3, 16, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                    prop::collection::vec(("[a-z_]{1,8}", inner), 0..4)
                        .prop_map(|kv| Value::Object(kv.into_iter().collect())),
                ]
            })
        }

        fn id() -> impl Strategy<Value = Id> {
            prop_oneof![
                3 => any::<i64>().prop_map(Id::Small),
                2 => any::<bool>().prop_map(Id::Big),
                2 => Just(Id::Text),
                3 => prop::sample::select(&["1.5", "null", "{\"a\":1}", "[1]", "true", "1e400"][..])
                    .prop_map(Id::Invalid),
            ]
        }

        fn body() -> impl Strategy<Value = Body> {
            prop_oneof![
                1 => prop::sample::select(&["ping", "tools/list", "x/unknown", "initialize"][..])
                    .prop_map(Body::Method),
                3 => (prop::sample::select(&["list_pools", "get_expenses", "nope"][..]), json())
                    .prop_map(|(name, args)| Body::Call(name, args)),
                1 => (129usize..300).prop_map(Body::Deep),
                1 => prop::sample::select(&["1e400", "-1e999", "\"\\ud800\"", "123456789012345678901234567890e300"][..])
                    .prop_map(Body::Unreadable),
                1 => Just(Body::NoMethod),
            ]
        }

        fn piece() -> impl Strategy<Value = Piece> {
            prop_oneof![
                6 => (id(), body()).prop_map(|(i, b)| Piece::Request(i, b)),
                1 => any::<bool>().prop_map(Piece::Notification),
                1 => any::<bool>().prop_map(Piece::Response),
                1 => prop::collection::vec(any::<u8>().prop_filter("no newline", |b| *b != b'\n'), 0..80)
                    .prop_map(Piece::Garbage),
                1 => (1usize..300).prop_map(Piece::Long),
                1 => prop::sample::select(&["", "  ", "\r", "\u{feff}"][..]).prop_map(Piece::Blank),
            ]
        }

        /// The line for `piece`, and the `(id, code)` it must be answered with
        /// (`None` for any code) when it carries one.
        fn render(n: usize, piece: &Piece) -> (Vec<u8>, Option<(String, Option<i32>)>) {
            let request = |id: &str, body: &Body| -> (String, Option<i32>) {
                let envelope = format!(r#"{{"jsonrpc":"2.0","id":{id}"#);
                match body {
                    Body::Method(m) => (format!(r#"{envelope},"method":"{m}"}}"#), None),
                    Body::Call(name, args) => (
                        format!(
                            r#"{envelope},"method":"tools/call","params":{{"name":"{name}","arguments":{args}}}}}"#
                        ),
                        None,
                    ),
                    Body::Deep(depth) => (
                        format!(
                            r#"{envelope},"method":"tools/call","params":{{"name":"list_pools","arguments":{{"a":{}0{}}}}}}}"#,
                            "[".repeat(*depth),
                            "]".repeat(*depth)
                        ),
                        Some(-32602),
                    ),
                    Body::Unreadable(x) => (
                        format!(
                            r#"{envelope},"method":"tools/call","params":{{"name":"list_pools","arguments":{{"a":{x}}}}}}}"#
                        ),
                        Some(-32602),
                    ),
                    Body::NoMethod => (format!("{envelope}}}"), Some(-32600)),
                }
            };
            match piece {
                Piece::Request(id, body) => {
                    let id = match id {
                        Id::Small(i) => (i / 1000 * 1000 + n as i64).to_string(),
                        Id::Big(negative) => format!(
                            "{}9223372036854775808{n:04}",
                            if *negative { "-" } else { "" }
                        ),
                        Id::Text => format!("\"s{n}\""),
                        Id::Invalid(text) => {
                            let (line, _) = request(text, body);
                            return (line.into_bytes(), Some(("null".into(), Some(-32600))));
                        }
                    };
                    let (line, code) = request(&id, body);
                    (line.into_bytes(), Some((id, code)))
                }
                Piece::Notification(readable) => {
                    let params = if *readable { "{}" } else { r#"{"x":1e400}"# };
                    let line = format!(
                        r#"{{"jsonrpc":"2.0","method":"notifications/roots/list_changed","params":{params}}}"#
                    );
                    (line.into_bytes(), None)
                }
                Piece::Response(readable) => {
                    let result = if *readable { "{}" } else { r#"{"x":1e400}"# };
                    let line = format!(
                        r#"{{"jsonrpc":"2.0","id":{},"result":{result}}}"#,
                        900_000 + n
                    );
                    (line.into_bytes(), None)
                }
                Piece::Garbage(bytes) => (
                    [b"#", bytes.as_slice()].concat(),
                    Some(("null".into(), Some(-32700))),
                ),
                Piece::Long(extra) => {
                    let mut line = format!(r#"{{"jsonrpc":"2.0","id":{n},"method":"ping"}}"#);
                    line.push_str(&" ".repeat(LIMIT + extra));
                    (line.into_bytes(), None)
                }
                Piece::Blank(text) => (text.as_bytes().to_vec(), None),
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(crate::testing::proptest_cases(2000)))]

            #[test]
            fn every_line_with_an_id_is_answered_once(
                pieces in prop::collection::vec(piece(), 0..10),
                crlf in prop::collection::vec(any::<bool>(), 10),
                last_newline in any::<bool>(),
                sizes in prop::collection::vec(prop_oneof![1usize..16, 16usize..4096], 1..6),
            ) {
                let mut input = Vec::new();
                let mut want = Vec::new();
                for (n, piece) in pieces.iter().enumerate() {
                    let (mut line, answer) = render(n, piece);
                    let last = n + 1 == pieces.len();
                    if !last || last_newline {
                        line.extend_from_slice(if crlf[n] { b"\r\n" } else { b"\n" });
                    }
                    // A line longer than the limit, its end included, is dropped.
                    if line.len() <= LIMIT {
                        want.extend(answer);
                    }
                    input.extend_from_slice(&line);
                }
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                let got = answers(&runtime.block_on(serve(&input, sizes, LIMIT)));
                want.sort_by(|a, b| (&a.0, a.1.unwrap_or(0)).cmp(&(&b.0, b.1.unwrap_or(0))));
                prop_assert_eq!(got.len(), want.len(), "got {:?}, want {:?}", got, want);
                for ((id, code), (want_id, want_code)) in got.iter().zip(&want) {
                    prop_assert_eq!(id, want_id, "got {:?}, want {:?}", got, want);
                    if let Some(want_code) = want_code {
                        prop_assert_eq!(code, want_code, "{}", id);
                    }
                }
            }
        }
    }
}
