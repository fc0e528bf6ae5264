//! The stdio transport: newline-delimited JSON-RPC, read and written here rather
//! than by rmcp's generic codec for one reason: a tool result's JSON goes out as the
//! text block and again, verbatim, as `structuredContent`, without ever being parsed
//! into a `serde_json::Value` tree. For a 1 MB answer that tree cost more than the
//! rest of the call together.
//!
//! Reading follows rmcp's stdio transport: lines of at most [`MAX_LINE`] bytes,
//! unparsable input ignored, well-formed JSON that is no JSON-RPC message answered
//! with "Invalid Request".

use std::sync::Arc;

use rmcp::RoleServer;
use rmcp::model::{
    CallToolResult, ClientJsonRpcMessage, ErrorData, JsonRpcMessage, JsonRpcResponse, RequestId,
    ServerJsonRpcMessage, ServerResult,
};
use rmcp::transport::Transport;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{Mutex, Notify};

/// `_meta` key on a [`CallToolResult`] whose first text block is a JSON object that
/// is also its `structuredContent`. The writer consumes it; it never goes on the wire.
pub const STRUCTURED_FROM_TEXT: &str = "com.digiusher/structured-from-text";

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
        }
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
                if self.line.len() + taken > MAX_LINE {
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
        async move {
            let frame = encode(item)?;
            write_frame(&write, &frame).await
        }
    }

    async fn receive(&mut self) -> Option<ClientJsonRpcMessage> {
        loop {
            match self.read_line().await {
                Ok(Line::Complete) => {}
                Ok(Line::TooLong) => {
                    tracing::error!(
                        max_bytes = MAX_LINE,
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
            let decoded = decode(&self.line);
            self.line.clear();
            match decoded {
                Decoded::Message(message) => return Some(*message),
                Decoded::Skip => {}
                Decoded::Invalid(id) => {
                    // Sent from its own task so a cancelled `receive` cannot cut it short.
                    let response = ServerJsonRpcMessage::error(
                        ErrorData::invalid_request("Invalid Request: not an MCP message", None),
                        id,
                    );
                    let write = self.write.clone();
                    tokio::spawn(async move {
                        if let Ok(frame) = encode(response) {
                            let _ = write_frame(&write, &frame).await;
                        }
                    });
                }
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
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
    /// Nothing to answer: blank, unparsable, or a notification we do not know.
    Skip,
    /// Well-formed JSON that is not a message we accept; answer with this id.
    Invalid(Option<RequestId>),
}

fn decode(line: &[u8]) -> Decoded {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Decoded::Skip;
    }
    let error = match serde_json::from_slice::<ClientJsonRpcMessage>(line) {
        Ok(message) => return Decoded::Message(Box::new(message)),
        Err(e) => e,
    };
    if error.is_syntax() || error.is_eof() {
        // No id to answer to, and answering garbage can start an echo storm.
        tracing::debug!("ignoring unparsable input: {error}");
        return Decoded::Skip;
    }
    let value: Value = serde_json::from_slice(line).unwrap_or(Value::Null);
    let id = value.get("id").and_then(|id| match id {
        Value::Number(n) => n.as_i64().map(RequestId::Number),
        Value::String(s) => Some(RequestId::String(s.as_str().into())),
        _ => None,
    });
    if id.is_none() && value.get("method").is_some() {
        // A notification gets no answer, not even an error.
        tracing::debug!("ignoring notification we do not understand: {error}");
        return Decoded::Skip;
    }
    tracing::debug!("invalid request: {error}");
    Decoded::Invalid(id)
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

    use super::*;

    fn tool_response(result: CallToolResult) -> ServerJsonRpcMessage {
        ServerJsonRpcMessage::response(ServerResult::CallToolResult(result), RequestId::Number(7))
    }

    fn marked(mut result: CallToolResult) -> CallToolResult {
        let mut meta = serde_json::Map::new();
        meta.insert(STRUCTURED_FROM_TEXT.into(), Value::Bool(true));
        result.meta = Some(meta.into());
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
}
