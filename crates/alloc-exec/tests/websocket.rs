//! A real WebSocket pair (tokio-tungstenite over loopback TCP), with the server side doing what
//! the agent's handler does around `run_session`.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use alloc_exec::{handshake_required, read_handshake, run_session, socket_end_after_exit, ExecError};
use futures::{future, SinkExt, StreamExt};
use nomad_api::exec::{ExecStreamingInput, ExecStreamingOutput};
use nomad_api::NomadVersion;
use support::{spec, PATIENCE};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame as WsCloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Serves one exec session with `ws_handshake=true`; returns the token it was given.
async fn serve_one(listener: TcpListener, command: &'static [&'static str], tty: bool) -> Result<String, ExecError> {
    let (tcp, _) = listener.accept().await.map_err(ExecError::Io)?;
    let ws = tokio_tungstenite::accept_async(tcp).await.map_err(|e| ExecError::Transport(e.to_string()))?;
    let (sink, stream) = ws.split();
    let mut sink =
        sink.with(|text: String| future::ready(Ok::<_, tokio_tungstenite::tungstenite::Error>(Message::text(text))));
    let mut stream = stream.take_while(|m| future::ready(!matches!(m, Ok(Message::Close(_))))).filter_map(|m| {
        future::ready(match m {
            Ok(Message::Text(text)) => Some(Ok(text.to_string())),
            Ok(Message::Binary(bytes)) => Some(Ok(String::from_utf8_lossy(&bytes).into_owned())),
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        })
    });

    let session = async {
        let token = if handshake_required(Some("true"))? { read_handshake(&mut stream).await? } else { String::new() };
        run_session(spec(command, tty), &mut sink, &mut stream).await?;
        Ok(token)
    };
    let result: Result<String, ExecError> = session.await;
    // As Nomad 1.4 ends it: with a close frame after the exit too.
    let version = NomadVersion::new(1, 4, 0);
    let end = match &result {
        Ok(_) => socket_end_after_exit(version),
        Err(e) => e.socket_end(version),
    };
    if let Some(close) = end.close_frame().cloned() {
        let frame = WsCloseFrame { code: CloseCode::from(close.code), reason: close.reason.into() };
        sink.get_mut().send(Message::Close(Some(frame))).await.ok();
    }
    result
}

async fn connect() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let url = format!("ws://{}/v1/client/allocation/a/exec", listener.local_addr().expect("bound address"));
    (listener, url)
}

async fn client(url: &str) -> WebSocketStream<MaybeTlsStream<TcpStream>> {
    tokio_tungstenite::connect_async(url).await.expect("connect").0
}

/// Every output frame until the server closes, and its close frame.
async fn read_all(
    ws: &mut WebSocketStream<MaybeTlsStream<TcpStream>>,
) -> (Vec<ExecStreamingOutput>, Option<(u16, String)>) {
    let mut frames = Vec::new();
    loop {
        match tokio::time::timeout(PATIENCE, ws.next()).await.expect("a message in time") {
            Some(Ok(Message::Text(text))) => frames.push(serde_json::from_str(&text).expect("output frame")),
            Some(Ok(Message::Close(frame))) => {
                return (frames, frame.map(|f| (u16::from(f.code), f.reason.to_string())));
            }
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return (frames, None),
        }
    }
}

#[tokio::test]
async fn echo_over_a_websocket_with_handshake() {
    let (listener, url) = connect().await;
    let server = tokio::spawn(serve_one(listener, &["echo", "hi"], false));
    let mut ws = client(&url).await;
    ws.send(Message::text(r#"{"version":1,"auth_token":"fc3c1968-8d31-5c50-9617-3db2e19ef32e"}"#))
        .await
        .expect("handshake");

    let (frames, close) = read_all(&mut ws).await;
    let stdout: Vec<u8> = frames.iter().filter_map(|f| f.stdout.as_ref()).flat_map(|o| o.data.clone()).collect();
    assert_eq!(stdout, b"hi\n");
    assert_eq!(frames.last().and_then(|f| f.exit_code()), Some(0));
    assert_eq!(close, Some((1000, String::new())));
    let token = server.await.expect("server task");
    assert_eq!(token.ok().as_deref(), Some("fc3c1968-8d31-5c50-9617-3db2e19ef32e"));
}

#[tokio::test]
async fn terminal_session_over_a_websocket() {
    let (listener, url) = connect().await;
    let server = tokio::spawn(serve_one(listener, &["sh"], true));
    let mut ws = client(&url).await;
    ws.send(Message::text(r#"{"version":1,"auth_token":""}"#)).await.expect("handshake");
    for frame in [ExecStreamingInput::resize(100, 30), ExecStreamingInput::stdin(b"stty size; exit 3\n".to_vec())] {
        ws.send(Message::text(serde_json::to_string(&frame).expect("encode"))).await.expect("send");
    }
    let (frames, close) = read_all(&mut ws).await;
    let stdout: Vec<u8> = frames.iter().filter_map(|f| f.stdout.as_ref()).flat_map(|o| o.data.clone()).collect();
    assert!(String::from_utf8_lossy(&stdout).contains("30 100"), "{:?}", String::from_utf8_lossy(&stdout));
    assert_eq!(frames.last().and_then(|f| f.exit_code()), Some(3));
    assert_eq!(close, Some((1000, String::new())));
    assert!(server.await.expect("server task").is_ok());
}

#[tokio::test]
async fn a_malformed_frame_closes_the_websocket_with_1011() {
    let (listener, url) = connect().await;
    let server = tokio::spawn(serve_one(listener, &["cat"], false));
    let mut ws = client(&url).await;
    ws.send(Message::text(r#"{"version":1,"auth_token":"t"}"#)).await.expect("handshake");
    ws.send(Message::text("{oops")).await.expect("send");
    let (_, close) = read_all(&mut ws).await;
    let (code, reason) = close.expect("a close frame");
    assert_eq!(code, 1011);
    assert!(!reason.is_empty());
    assert!(matches!(server.await.expect("server task"), Err(ExecError::MalformedFrame(_))));
}

#[tokio::test]
async fn a_wrong_handshake_version_closes_with_1008() {
    let (listener, url) = connect().await;
    let server = tokio::spawn(serve_one(listener, &["echo", "never"], false));
    let mut ws = client(&url).await;
    ws.send(Message::text(r#"{"version":2,"auth_token":"t"}"#)).await.expect("handshake");
    let (frames, close) = read_all(&mut ws).await;
    assert!(frames.is_empty(), "nothing runs before a valid handshake");
    assert_eq!(close, Some((1008, "unexpected handshake value: 2".into())));
    assert!(matches!(server.await.expect("server task"), Err(ExecError::HandshakeVersion(2))));
}

#[tokio::test]
async fn handshake_frames_are_checked_as_nomad_does() {
    let frames = |texts: &[&str]| {
        futures::stream::iter(
            texts.iter().map(|t| Ok::<_, std::convert::Infallible>(t.to_string())).collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        read_handshake(&mut frames(&[r#"{"version":1,"auth_token":"abc"}"#])).await.ok().as_deref(),
        Some("abc")
    );
    assert_eq!(read_handshake(&mut frames(&[r#"{"version":1}"#])).await.ok().as_deref(), Some(""));
    let missing_version = read_handshake(&mut frames(&["{}"])).await.err().map(|e| e.to_string());
    assert_eq!(missing_version.as_deref(), Some("unexpected handshake value: 0"));
    let garbage = read_handshake(&mut frames(&["hello"])).await.err().map(|e| e.socket_end(NomadVersion::LATEST));
    assert_eq!(garbage.as_ref().and_then(|end| end.close_frame()).map(|f| f.code), Some(1008));
    assert!(matches!(read_handshake(&mut frames(&[])).await, Err(ExecError::Disconnected)));
}
