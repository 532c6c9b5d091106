//! The real desktop app under a virtual X server: start it on the sample file (and on a
//! GB18030 export in a Chinese locale), wait until the Data pane reports it has drawn the data,
//! take a screenshot, check that the window and the plot area are really painted, then quit
//! through the app's own shortcut.
//!
//! Needs Xvfb, xdotool and ImageMagick (scripts/install-deps.sh installs them).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{sync_channel, Receiver};
use std::time::{Duration, Instant};

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?} could not start: {e}"));
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A virtual X server, stopped with SIGTERM when dropped so that it removes its lock file and
/// socket itself (a killed server leaves them behind, and each run would use up a display).
struct XServer {
    child: Child,
    number: u32,
}

impl Drop for XServer {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Whatever it could not clean up names a process that is gone now.
        if lock_owner(self.number) == Some(self.child.id()) {
            let _ = std::fs::remove_file(format!("/tmp/.X{}-lock", self.number));
            let _ = std::fs::remove_file(format!("/tmp/.X11-unix/X{}", self.number));
        }
    }
}

/// The process named in display `n`'s lock file.
fn lock_owner(n: u32) -> Option<u32> {
    std::fs::read_to_string(format!("/tmp/.X{n}-lock")).ok()?.trim().parse().ok()
}

/// Starts Xvfb on the first display no running server holds. A lock file left by a server
/// that is gone does not count: Xvfb replaces such a lock (and socket) itself.
fn start_xvfb() -> (XServer, String) {
    for n in 91..140 {
        if lock_owner(n).is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists()) {
            continue;
        }
        let display = format!(":{n}");
        let child = Command::new("Xvfb")
            .args([display.as_str(), "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb is installed (scripts/install-deps.sh)");
        let mut server = XServer { child, number: n };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            // Ready once its own lock and socket are there; gone early if the display was taken.
            if lock_owner(n) == Some(server.child.id()) && Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
                return (server, display);
            }
            if !matches!(server.child.try_wait(), Ok(None)) {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    panic!("no free X display found for Xvfb");
}

/// Lines the app writes to stderr, read on a thread so the pipe never fills.
fn stderr_lines(child: &mut Child) -> Receiver<String> {
    // Room for minutes of the app's per-frame reports between the test's reads.
    let (tx, rx) = sync_channel(65_536);
    let stderr = child.stderr.take().expect("stderr piped");
    std::thread::Builder::new()
        .name("app-stderr".into())
        .spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("[app] {line}");
                if tx.send(line).is_err() {
                    break;
                }
            }
        })
        .expect("stderr reader thread starts");
    rx
}

/// The desktop app on `file`, on the virtual display, with its stderr lines.
fn start_app(file: &Path, display: &str) -> (KillOnDrop, Receiver<String>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_plantlab-desktop"));
    command.arg(file).env("DISPLAY", display).env_remove("WAYLAND_DISPLAY");
    spawn_app(command)
}

/// The desktop app on `file` as started fresh in `locale` (`LANG`): its webview's storage in
/// `profile`, so no language chosen in an earlier session is remembered.
fn start_app_in_locale(file: &Path, display: &str, locale: &str, profile: &Path) -> (KillOnDrop, Receiver<String>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_plantlab-desktop"));
    command
        .arg(file)
        .env("DISPLAY", display)
        .env_remove("WAYLAND_DISPLAY")
        .env("LANG", locale)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("XDG_DATA_HOME", profile.join("data"))
        .env("XDG_CACHE_HOME", profile.join("cache"))
        .env("XDG_CONFIG_HOME", profile.join("config"));
    spawn_app(command)
}

fn spawn_app(mut command: Command) -> (KillOnDrop, Receiver<String>) {
    let mut app = command.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("desktop binary starts");
    let lines = stderr_lines(&mut app);
    (KillOnDrop(app), lines)
}

/// Waits for the Data pane's report that it has drawn the file (at most 120 s).
fn wait_painted(lines: &Receiver<String>) -> String {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) if line.contains("data pane painted") => return line,
            Ok(_) => {}
            Err(_) => panic!("the Data pane did not report drawing the file within 120 s"),
        }
    }
}

/// Photographs the app's window into `shot` once the compositor has put the frame on screen;
/// checks that the window is painted and that the plot area `rect` shows a drawn series.
/// Returns the window's id and width.
fn photograph(display: &str, shot: &Path, [x, y, w, h]: [u32; 4]) -> (String, u32) {
    std::thread::sleep(Duration::from_millis(1500));
    let window_id = run_ok(Command::new("xdotool").env("DISPLAY", display).args(["search", "--sync", "--onlyvisible", "--name", "PlantLab"]));
    let window_id = window_id.lines().next().expect("PlantLab window found").trim().to_owned();
    run_ok(Command::new("import").env("DISPLAY", display).args(["-window", &window_id]).arg(shot));

    let whole = Command::new("convert").arg(shot).arg("ppm:-").output().expect("convert");
    let (ww, wh, pixels) = read_ppm(&whole.stdout);
    assert!(ww >= 800 && wh >= 500, "window is {ww}x{wh}");
    let distinct: std::collections::HashSet<[u8; 3]> = pixels.iter().copied().collect();
    assert!(distinct.len() > 20, "screenshot looks blank: {} colours", distinct.len());

    let crop = Command::new("convert").arg(shot).args(["-crop", &format!("{w}x{h}+{x}+{y}"), "+repage", "ppm:-"]).output().expect("crop");
    let (_, _, plot) = read_ppm(&crop.stdout);
    // The series is drawn in a light blue (line and its min/max band); count those pixels.
    let blue = plot.iter().filter(|[r, g, b]| *b > 150 && *b as i32 - *r as i32 > 60 && *g > 60).count();
    assert!(blue > 500, "the plot area shows no drawn series ({blue} series-coloured pixels of {})", plot.len());
    (window_id, ww as u32)
}

/// Quits the way a user would: focus the window (there is no window manager to do it), click
/// into the plot and press Ctrl+Q; keyboard input into WebKit under Xvfb is not always
/// delivered, so then click the Quit button at the right end of the top bar. The app must exit
/// cleanly.
fn quit(app: &mut KillOnDrop, display: &str, window_id: &str, window_width: u32, [x, y, w, h]: [u32; 4]) {
    let cx = (x + w / 2).to_string();
    let cy = (y + h / 2).to_string();
    let wait_exit = |app: &mut KillOnDrop| {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Some(status) = app.0.try_wait().expect("wait") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    };
    run_ok(Command::new("xdotool").env("DISPLAY", display).args(["windowfocus", "--sync", window_id]));
    run_ok(Command::new("xdotool").env("DISPLAY", display).args(["mousemove", "--window", window_id, &cx, &cy, "click", "1"]));
    std::thread::sleep(Duration::from_millis(500));
    run_ok(Command::new("xdotool").env("DISPLAY", display).args(["key", "--clearmodifiers", "ctrl+q"]));
    let mut exited = wait_exit(app);
    if exited.is_none() {
        eprintln!("Ctrl+Q was not delivered; clicking Quit");
        let qx = window_width.saturating_sub(30).to_string();
        run_ok(Command::new("xdotool").env("DISPLAY", display).args(["mousemove", "--window", window_id, &qx, "12", "click", "1"]));
        exited = wait_exit(app);
    }
    let status = exited.expect("the app did not quit (Ctrl+Q, then the Quit button)");
    assert!(status.success(), "the app exited with {status}");
}

/// "… plot of "X" at 270,140 990x300" → [x, y, w, h].
fn parse_rect(line: &str) -> [u32; 4] {
    let tail = line.rsplit(" at ").next().expect("rect");
    let (pos, size) = tail.split_once(' ').expect("pos and size");
    let (x, y) = pos.split_once(',').expect("x,y");
    let (w, h) = size.split_once('x').expect("wxh");
    [x, y, w, h].map(|v| v.trim().parse::<f32>().expect("number").max(0.0) as u32)
}

/// Reads a binary PPM (P6) as written by ImageMagick.
fn read_ppm(bytes: &[u8]) -> (usize, usize, Vec<[u8; 3]>) {
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..i]).into_owned());
    }
    i += 1;
    assert_eq!(fields[0], "P6");
    let (w, h): (usize, usize) = (fields[1].parse().expect("w"), fields[2].parse().expect("h"));
    let pixels = bytes[i..].chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect();
    (w, h, pixels)
}

/// The desktop app started fresh (see [`start_app_in_locale`]) on a repository file, on its
/// own virtual display, with the folder its screenshots are kept in. Fields drop in order: the
/// app before the profile and the X server.
struct FreshApp {
    app: KillOnDrop,
    lines: Receiver<String>,
    display: String,
    artifacts: PathBuf,
    _profile: tempfile::TempDir,
    _xvfb: XServer,
}

impl FreshApp {
    fn start(file: &str, locale: &str) -> FreshApp {
        let (xvfb, display) = start_xvfb();
        let artifacts = repo().join("ci-artifacts");
        std::fs::create_dir_all(&artifacts).expect("artifact dir");
        let profile = tempfile::tempdir().expect("profile dir");
        let (app, lines) = start_app_in_locale(&repo().join(file), &display, locale, profile.path());
        FreshApp { app, lines, display, artifacts, _profile: profile, _xvfb: xvfb }
    }

    /// Waits until the Data pane has drawn the file, checks what it reports with `check`,
    /// keeps a screenshot as `shot` and quits.
    fn painted_shot_and_quit(mut self, shot: &str, check: impl Fn(&str)) {
        let painted = wait_painted(&self.lines);
        check(&painted);
        let rect = parse_rect(&painted);
        assert!(rect[2] > 200 && rect[3] > 100, "plot area too small: {painted}");
        let (window_id, width) = photograph(&self.display, &self.artifacts.join(shot), rect);
        quit(&mut self.app, &self.display, &window_id, width, rect);
    }
}

#[test]
fn desktop_app_shows_the_sample_and_quits_cleanly() {
    // Started fresh in an English locale, so the kept screenshot is the same on every machine.
    FreshApp::start("sample-data/ai4i2020.csv", "en_US.UTF-8").painted_shot_and_quit("desktop-data-pane.png", |painted| {
        assert!(painted.contains("in en: 10000 rows x 14 columns"), "{painted}");
    });
}

/// A Chinese plant's export as Chinese Windows saves it (GB18030, tag names 反应器温度 …, a units
/// row with ℃ and MPa, times as 2026/10/01 00:00:00), opened by the app started in a Chinese
/// locale: the UI draws in Chinese and plots the first tag under its Chinese name. The
/// screenshot is kept.
#[test]
fn desktop_app_opens_a_gb18030_export_in_chinese() {
    FreshApp::start("sample-data/reactor-gb18030.csv", "zh_CN.UTF-8").painted_shot_and_quit("desktop-gb18030-zh.png", |painted| {
        assert!(painted.contains("in zh-CN: 360 rows x 6 columns, plot of \"反应器温度\""), "{painted}");
    });
}

/// The controls the UI last reported (`plantlab: widgets` lines): id → centre; and whether the
/// Data pane has drawn the file.
#[derive(Default)]
struct Widgets(std::collections::HashMap<String, (u32, u32)>, bool);

impl Widgets {
    /// Reads lines until `done` holds for the latest report, or panics after `secs` seconds.
    fn wait(&mut self, lines: &Receiver<String>, secs: u64, what: &str, done: impl Fn(&Self) -> bool) {
        if !self.try_wait(lines, secs, &done) {
            panic!("waited {secs} s for {what}; the UI shows {:?}", self.ids());
        }
    }

    /// Reads lines until `done` holds (true) or `secs` seconds pass (false).
    fn try_wait(&mut self, lines: &Receiver<String>, secs: u64, done: impl Fn(&Self) -> bool) -> bool {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !done(self) {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(list) = line.strip_prefix("plantlab: widgets") {
                        self.0 = list.split('\t').filter_map(parse_mark).collect();
                    }
                    self.1 |= line.contains("data pane painted");
                }
                Err(_) => return false,
            }
        }
        true
    }

    fn has(&self, id: &str) -> bool {
        self.0.contains_key(id)
    }

    fn ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.0.keys().map(String::as_str).collect();
        ids.sort_unstable();
        ids
    }

    fn click(&self, display: &str, window_id: &str, id: &str) {
        let (x, y) = self.0[id];
        run_ok(Command::new("xdotool").env("DISPLAY", display).args([
            "mousemove",
            "--window",
            window_id,
            &x.to_string(),
            &y.to_string(),
            "click",
            "1",
        ]));
    }
}

/// "clean:apply@400,300,80,20" → ("clean:apply", centre).
fn parse_mark(entry: &str) -> Option<(String, (u32, u32))> {
    let (id, rect) = entry.rsplit_once('@')?;
    let v: Vec<f32> = rect.split(',').filter_map(|n| n.trim().parse().ok()).collect();
    let [x, y, w, h] = v[..] else { return None };
    Some((id.to_owned(), ((x + w / 2.0).max(0.0) as u32, (y + h / 2.0).max(0.0) as u32)))
}

/// A user's first real export, by mouse in the real window: a month of pump-station data with
/// stops, a stuck transmitter, a gap, a DST repeat, a week in °F and status texts. Open it, go
/// to Clean, name the label, then add, preview and apply every suggested step until none is
/// left; the quality gate must then pass. The screenshot of the passed gate is kept.
#[test]
fn desktop_app_takes_a_messy_export_through_the_quality_gate() {
    use plantlab_engine::generate::pump_station;
    let (_xvfb, display) = start_xvfb();
    let artifacts = repo().join("ci-artifacts");
    std::fs::create_dir_all(&artifacts).expect("artifact dir");
    // The kept export (the generator's output, checked byte for byte by the engine's tests).
    let export = repo().join("sample-data/pump-station-2023-10.csv");

    let (_app, lines) = start_app(&export, &display);
    let mut widgets = Widgets::default();
    widgets.wait(&lines, 120, "the file drawn in the Data pane", |w| w.1 && w.has("tab:Clean"));
    let window_id = run_ok(Command::new("xdotool").env("DISPLAY", &display).args(["search", "--sync", "--onlyvisible", "--name", "PlantLab"]));
    let window_id = window_id.lines().next().expect("PlantLab window found").trim().to_owned();
    run_ok(Command::new("xdotool").env("DISPLAY", &display).args(["windowfocus", "--sync", &window_id]));
    // A click right after the window maps may only focus it: click the tab until the pane shows.
    let in_clean = |w: &Widgets| w.has("clean:label") && w.has("clean:add:0");
    for _ in 0..6 {
        widgets.click(&display, &window_id, "tab:Clean");
        if widgets.try_wait(&lines, 10, in_clean) {
            break;
        }
    }
    widgets.wait(&lines, 1, "the label picker", in_clean);
    let label_option = format!("clean:label:{}", pump_station::LABEL);
    widgets.click(&display, &window_id, "clean:label");
    widgets.wait(&lines, 20, "the label column in the picker", |w| w.has(&label_option));
    // Let the popup settle where it is drawn before pointing into it.
    std::thread::sleep(Duration::from_millis(500));
    widgets.wait(&lines, 20, "the label column in the picker", |w| w.has(&label_option));
    widgets.click(&display, &window_id, &label_option);
    let named = format!("clean:label={}", pump_station::LABEL);
    widgets.wait(&lines, 60, "the report with the label named", |w| w.has(&named) && w.has("clean:add:0"));

    let mut applied = 0;
    while widgets.has("clean:add:0") {
        assert!(applied < 40, "still suggesting after {applied} steps: {:?}", widgets.ids());
        widgets.click(&display, &window_id, "clean:add:0");
        widgets.wait(&lines, 30, "the step editor", |w| w.has("clean:preview") || w.has("clean:apply"));
        if !widgets.has("clean:apply") {
            widgets.click(&display, &window_id, "clean:preview");
            widgets.wait(&lines, 60, "the preview (Apply enabled)", |w| w.has("clean:apply"));
        }
        widgets.click(&display, &window_id, "clean:apply");
        applied += 1;
        // Applied once the editor is closed and the pane is idle again.
        widgets.wait(&lines, 120, "the applied step", |w| {
            !w.has("clean:apply") && !w.has("clean:preview") && (w.has("clean:add:0") || w.has("clean:gate:passed"))
        });
    }
    assert!(applied >= 3, "only {applied} suggestions were applied");
    widgets.wait(&lines, 10, "the passed quality gate with the label named", |w| w.has("clean:gate:passed") && w.has(&named));

    std::thread::sleep(Duration::from_millis(1500));
    let shot = artifacts.join("desktop-clean-gate-passed.png");
    run_ok(Command::new("import").env("DISPLAY", &display).args(["-window", &window_id]).arg(&shot));
    let whole = Command::new("convert").arg(&shot).arg("ppm:-").output().expect("convert");
    let (_, _, pixels) = read_ppm(&whole.stdout);
    let distinct: std::collections::HashSet<[u8; 3]> = pixels.iter().copied().collect();
    assert!(distinct.len() > 20, "screenshot looks blank: {} colours", distinct.len());
    eprintln!("applied {applied} suggested steps; the gate passed; screenshot {}", shot.display());
}
