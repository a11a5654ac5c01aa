//! The follower against a model of alloc-fs's /fs/logs: frames of a few bytes, offsets per
//! file, rotation, deletion of the oldest file, truncation; bodies cut at every byte.

use super::*;
use crate::logs::tests::listing;
use crate::store::Marker;

/// Rotated files of `web.stdout`, as the agent has them.
#[derive(Clone)]
struct Server {
    files: Vec<(i64, Vec<u8>)>,
    frame: usize,
}

impl Server {
    fn new(files: &[(i64, &str)]) -> Self {
        Server { files: files.iter().map(|(i, t)| (*i, t.as_bytes().to_vec())).collect(), frame: 5 }
    }

    fn listing(&self) -> Vec<AllocFileInfo> {
        let mut names: Vec<(String, i64)> =
            self.files.iter().map(|(i, d)| (format!("web.stdout.{i}"), d.len() as i64)).collect();
        names.push(("web.stderr.0".into(), 3));
        let refs: Vec<(&str, i64)> = names.iter().map(|(n, s)| (n.as_str(), *s)).collect();
        listing(&refs)
    }

    fn all(&self) -> Vec<u8> {
        self.files.iter().flat_map(|(_, d)| d.clone()).collect()
    }

    /// The body of `/fs/logs` for `q`, read to the end of the newest file, starting with a
    /// heartbeat (a frame of no data may come first).
    fn body(&self, q: StreamQuery) -> Vec<u8> {
        let total: u64 = self.files.iter().map(|(_, d)| d.len() as u64).sum();
        let mut skip = match q.origin {
            Origin::Start => q.offset.min(total),
            Origin::End => total.saturating_sub(q.offset),
        };
        let mut out = b"{}".to_vec();
        let last = self.files.len() - 1;
        for (k, (index, data)) in self.files.iter().enumerate() {
            let len = data.len() as u64;
            if skip >= len && k != last {
                skip -= len;
                continue;
            }
            let mut at = skip.min(len) as usize;
            skip = 0;
            while at < data.len() {
                let end = (at + self.frame).min(data.len());
                let frame = StreamFrame {
                    offset: end as i64,
                    data: data[at..end].to_vec(),
                    file: format!("alloc/logs/web.stdout.{index}"),
                    ..StreamFrame::default()
                };
                out.extend(serde_json::to_vec(&frame).unwrap());
                out.push(b'\n');
                at = end;
            }
        }
        out
    }
}

fn target() -> Target {
    Target::Logs { task: "web".into(), log_type: "stdout".into() }
}

/// What the viewer would show: prepended bytes first, then the stream's output.
#[derive(Default)]
struct Screen {
    front: Vec<u8>,
    text: String,
}

impl Screen {
    fn take(&mut self, out: Vec<Output>) {
        for o in out {
            match o {
                Output::Text(t) => self.text.push_str(&t),
                Output::Marker(Marker::Gap) => self.text.push_str("<GAP>"),
                Output::Marker(Marker::Truncated) => self.text.push_str("<TRUNC>"),
                Output::Marker(Marker::Deleted) => self.text.push_str("<DEL>"),
            }
        }
    }

    fn release(&mut self, f: &mut Follower, server: &Server) {
        if f.earlier(&server.listing(), 1 << 20) == Earlier::AtStart {
            let r = f.release_head();
            let mut front = r.prepend;
            front.extend(std::mem::take(&mut self.front));
            self.front = front;
            self.take(r.append);
        }
    }

    fn shown(&self) -> String {
        format!("{}{}", String::from_utf8_lossy(&self.front), self.text)
    }
}

/// Pushes `body` in small chunks; when the resumed body asks, checks against `server`
/// (re-resuming while the landing is wrong).
fn read_body(f: &mut Follower, screen: &mut Screen, body: &[u8], server: &Server) {
    for chunk in body.chunks(3) {
        let pushed = f.push(chunk);
        assert!(pushed.errors.is_empty());
        screen.take(pushed.output);
        if pushed.needs_check {
            match f.verify(&server.listing()) {
                Some(out) => screen.take(out),
                None => {
                    f.broke();
                    let (q, out) = f.resume(&server.listing());
                    screen.take(out);
                    return read_body(f, screen, &server.body(q), server);
                }
            }
        }
    }
}

const FILE0: &str = "alpha €1\nbeta 2\n";
const FILE1: &str = "gamma 3\ndelta ünï 4\nunfin";

#[test]
fn resumes_without_gap_or_duplicate_at_every_cut_across_rotation() {
    let start = Server::new(&[(0, FILE0), (1, FILE1)]);
    let body1 = start.body(Follower::new(target(), 1 << 20).start());
    for cut in 0..=body1.len() {
        let mut server = start.clone();
        let mut f = Follower::new(target(), 1 << 20);
        let mut screen = Screen::default();
        let pushed = f.push(&body1[..cut]);
        screen.take(pushed.output);
        // While disconnected: the file grows, rotates into a new one.
        server.files[1].1.extend_from_slice("ished 5\n".as_bytes());
        server.files.push((2, "zeta 6\nη 7\n".as_bytes().to_vec()));
        f.broke();
        let (q, out) = f.resume(&server.listing());
        screen.take(out);
        read_body(&mut f, &mut screen, &server.body(q), &server);
        screen.release(&mut f, &server);
        assert_eq!(screen.shown(), String::from_utf8(server.all()).unwrap(), "cut at {cut}");
    }
}

#[test]
fn a_file_deleted_between_listing_and_reconnect_is_caught_by_the_check() {
    let start = Server::new(&[(0, FILE0), (1, FILE1)]);
    let body1 = start.body(Follower::new(target(), 1 << 20).start());
    let mut checked = 0;
    for cut in 0..=body1.len() {
        let mut server = start.clone();
        let mut f = Follower::new(target(), 1 << 20);
        let mut screen = Screen::default();
        screen.take(f.push(&body1[..cut]).output);
        if f.position().is_none_or(|p| !p.file.ends_with(".1")) {
            continue;
        }
        checked += 1;
        f.broke();
        let (q, out) = f.resume(&server.listing());
        screen.take(out);
        // The oldest file goes after the listing: `base` counted it, the server does not.
        server.files.remove(0);
        read_body(&mut f, &mut screen, &server.body(q), &server);
        screen.release(&mut f, &server);
        let want = format!("{FILE0}{FILE1}");
        assert_eq!(screen.shown(), want, "cut at {cut}");
    }
    assert!(checked > 5);
}

#[test]
fn a_file_rotated_out_while_disconnected_is_a_marked_gap() {
    let start = Server::new(&[(0, "one\ntwo\nthree\n"), (1, "four\n")]);
    let body1 = start.body(Follower::new(target(), 1 << 20).start());
    for cut in 0..=body1.len() {
        let mut f = Follower::new(target(), 1 << 20);
        let mut screen = Screen::default();
        screen.take(f.push(&body1[..cut]).output);
        let Some(pos) = f.position().cloned().filter(|p| p.file.ends_with(".0") && p.end < 14) else { continue };
        let mut server = start.clone();
        server.files.remove(0);
        server.files.push((2, b"five\n".to_vec()));
        f.broke();
        let (q, out) = f.resume(&server.listing());
        assert_eq!(q, StreamQuery { origin: Origin::Start, offset: 0 });
        screen.take(out);
        read_body(&mut f, &mut screen, &server.body(q), &server);
        screen.release(&mut f, &server);
        let want = format!("{}<GAP>four\nfive\n", &"one\ntwo\nthree\n"[..pos.end as usize]);
        assert_eq!(screen.shown(), want, "cut at {cut}");
    }
}

fn frame(file: &str, offset: i64, data: &str) -> Vec<u8> {
    serde_json::to_vec(&StreamFrame {
        offset,
        data: data.as_bytes().to_vec(),
        file: file.into(),
        ..StreamFrame::default()
    })
    .unwrap()
}

fn event(file: &str, offset: i64, event: &str) -> Vec<u8> {
    serde_json::to_vec(&StreamFrame { offset, file: file.into(), file_event: event.into(), ..StreamFrame::default() })
        .unwrap()
}

#[test]
fn truncation_restarts_the_position_and_is_marked() {
    let file = "alloc/logs/web.stdout.0";
    let mut f = Follower::new(target(), 0);
    let mut screen = Screen::default();
    let mut body = frame(file, 10, "0123456789");
    body.extend(event(file, 0, FILE_TRUNCATED));
    body.extend(frame(file, 3, "abc"));
    body.extend(frame(file, 0, "de"));
    for byte in body.chunks(1) {
        screen.take(f.push(byte).output);
    }
    assert_eq!(screen.text, "0123456789<TRUNC>abcde");
    assert_eq!(f.position(), Some(&Position { file: file.into(), end: 5 }));
    assert_eq!(f.earlier(&listing(&[("web.stdout.0", 5)]), 100), Earlier::AtStart);
    f.broke();
    let (q, _) = f.resume(&listing(&[("web.stdout.0", 5)]));
    assert_eq!(q, StreamQuery { origin: Origin::Start, offset: 5 });
}

#[test]
fn deletion_is_marked_and_a_single_file_resumes_at_its_own_offset() {
    let mut f = Follower::new(Target::File { path: "alloc/data/out.log".into() }, 0);
    let mut screen = Screen::default();
    let mut body = frame("alloc/data/out.log", 7, "ab");
    body.extend(frame("alloc/data/out.log", 0, "cd"));
    screen.take(f.push(&body).output);
    f.broke();
    let (q, out) = f.resume(&[]);
    assert!(out.is_empty());
    // 7 from the first frame, then 2 more.
    assert_eq!(q, StreamQuery { origin: Origin::Start, offset: 9 });
    screen.take(f.push(&event("alloc/data/out.log", 9, FILE_DELETED)).output);
    assert_eq!(screen.text, "abcd<DEL>");
}

#[test]
fn a_multibyte_character_split_by_a_drop_comes_out_whole() {
    let file = "alloc/logs/web.stdout.0";
    let euro = "€".as_bytes();
    let mut f = Follower::new(target(), 0);
    let mut screen = Screen::default();
    let first = StreamFrame { offset: 2, data: euro[..2].to_vec(), file: file.into(), ..StreamFrame::default() };
    screen.take(f.push(&serde_json::to_vec(&first).unwrap()).output);
    f.broke();
    let (q, _) = f.resume(&listing(&[("web.stdout.0", 3)]));
    assert_eq!(q.offset, 2);
    let rest = StreamFrame { offset: 3, data: euro[2..].to_vec(), file: file.into(), ..StreamFrame::default() };
    let pushed = f.push(&serde_json::to_vec(&rest).unwrap());
    assert!(pushed.needs_check && pushed.output.is_empty(), "held until checked");
    screen.take(f.verify(&listing(&[("web.stdout.0", 3)])).unwrap());
    assert_eq!(screen.text, "€");
}

#[test]
fn earlier_output_is_loaded_across_rotated_files_in_whole_lines() {
    let server = Server::new(&[(3, "l1\nl2\nl3\n"), (4, "l4\nl5 long\n"), (5, "l6\nl7")]);
    // Start 9 bytes back from the end: "ong\n" is the tail of a line, held back.
    let mut f = Follower::new(target(), 9);
    let mut screen = Screen::default();
    screen.take(f.push(&server.body(f.start())).output);
    assert_eq!(screen.text, "l6\nl7");
    let mut prepended = Vec::new();
    for _ in 0..20 {
        match f.earlier(&server.listing(), 4) {
            Earlier::Read(read) => {
                let all_files: Vec<(String, Vec<u8>)> =
                    server.files.iter().map(|(i, d)| (format!("alloc/logs/web.stdout.{i}"), d.clone())).collect();
                let data = &all_files.iter().find(|(p, _)| *p == read.path).unwrap().1;
                let bytes = &data[read.offset as usize..(read.offset + read.limit) as usize];
                let mut lines = f.take_earlier(&read, bytes);
                lines.extend(prepended);
                prepended = lines;
            }
            Earlier::AtStart => break,
            Earlier::NotYet | Earlier::Unavailable => panic!("no data yet?"),
        }
    }
    assert!(!f.has_earlier());
    assert_eq!(String::from_utf8(prepended).unwrap() + &screen.text, "l1\nl2\nl3\nl4\nl5 long\nl6\nl7");
}

#[test]
fn nothing_earlier_is_known_before_data_and_a_fresh_start_repeats_the_first_query() {
    let mut f = Follower::new(target(), 100);
    assert_eq!(f.earlier(&[], 10), Earlier::NotYet);
    f.push(b"{}");
    f.broke();
    let (q, out) = f.resume(&listing(&[("web.stdout.0", 5)]));
    assert_eq!((q, out), (StreamQuery { origin: Origin::End, offset: 100 }, Vec::new()));
}
