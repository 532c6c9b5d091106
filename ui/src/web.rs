//! The wasm entry point and the `Backend` that talks to the desktop shell over Tauri IPC
//! (`window.__TAURI__.core.invoke`, a `Channel` for task events, the drag-drop event). Which
//! command a request becomes and how its answer reads is `backend::bridge`; this file only
//! moves JSON between it and the webview. Everything is read with serde_json, as in the shell.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Promise, Reflect};
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};

use crate::app::PlantLabApp;
use crate::i18n::Lang;

use crate::backend::bridge::{self, Args, Decode, Invocation};
use crate::backend::{Backend, Reply, Request};

/// Where the chosen language is remembered between starts.
const LANGUAGE_KEY: &str = "plantlab.language";

/// Called by main.js once the module is loaded, with the CJK font's bytes when main.js could
/// fetch them (`None` when it could not: the UI then draws Latin text only and says why).
#[wasm_bindgen]
pub async fn start(canvas_id: String, cjk_font: Option<Vec<u8>>) -> Result<(), JsValue> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or_else(|| JsValue::from_str("no document"))?;
    let canvas = document
        .get_element_by_id(&canvas_id)
        .ok_or_else(|| JsValue::from_str("canvas element not found"))?
        .dyn_into::<web_sys::HtmlCanvasElement>()?;
    eframe::WebRunner::new()
        .start(
            canvas,
            eframe::WebOptions::default(),
            Box::new(|cc| {
                match cjk_font {
                    Some(bytes) => {
                        if let Err(why) = crate::fonts::install_cjk_font(&cc.egui_ctx, bytes) {
                            web_sys::console::warn_1(&why.into());
                        }
                    }
                    None => web_sys::console::warn_1(&"the CJK font was not loaded; Chinese text will show as boxes".into()),
                }
                let backend = TauriBackend::new(cc.egui_ctx.clone());
                let lang = remembered_language().or_else(crate::i18n::system_language).unwrap_or_default();
                Ok(Box::new(WebApp { app: PlantLabApp::with_language(Box::new(backend), lang), remembered: lang }))
            }),
        )
        .await
}

struct WebApp {
    app: PlantLabApp,
    /// The language last written to storage.
    remembered: Lang,
}

impl eframe::App for WebApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.app.ui(ui);
        let lang = self.app.language();
        if lang != self.remembered {
            self.remembered = lang;
            remember_language(lang);
        }
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|window| window.local_storage().ok().flatten())
}

/// The language the user last chose in this webview, if any.
fn remembered_language() -> Option<Lang> {
    local_storage().and_then(|storage| storage.get_item(LANGUAGE_KEY).ok().flatten()).and_then(|tag| Lang::from_tag(&tag))
}

fn remember_language(lang: Lang) {
    // Not remembering is no reason to stop: the switch still works for this session.
    if let Some(storage) = local_storage() {
        if storage.set_item(LANGUAGE_KEY, lang.tag()).is_err() {
            web_sys::console::warn_1(&"the language choice could not be saved".into());
        }
    }
}

type Inbox = Rc<RefCell<Vec<Reply>>>;

struct TauriBackend {
    ctx: egui::Context,
    inbox: Inbox,
}

impl TauriBackend {
    fn new(ctx: egui::Context) -> Self {
        let backend = Self { ctx, inbox: Rc::new(RefCell::new(Vec::new())) };
        backend.listen_for_drops();
        backend
    }

    fn push(inbox: &Inbox, ctx: &egui::Context, reply: Reply) {
        inbox.borrow_mut().push(reply);
        ctx.request_repaint();
    }

    /// Runs one command and turns its answer into replies (or an error reply).
    fn call(&self, command: &'static str, context: &'static str, args: Args, decode: Decode) {
        let inbox = self.inbox.clone();
        let ctx = self.ctx.clone();
        spawn_local(async move {
            let replies = match invoke(command, args).await {
                Ok(answer) => decode(answer).unwrap_or_else(|error| vec![Reply::Error { context: context.to_owned(), error }]),
                Err(rejected) => vec![bridge::rejection(context, rejected)],
            };
            for reply in replies {
                Self::push(&inbox, &ctx, reply);
            }
        });
    }

    /// Starts a background task through `command`; its events arrive on a Tauri `Channel`
    /// (passed as the `onEvent` argument) and become `Task` replies.
    fn start_task(&self, command: &'static str, context: &'static str, args: Args) {
        let inbox = self.inbox.clone();
        let ctx = self.ctx.clone();
        spawn_local(async move {
            if let Err(rejected) = start_task(command, args, inbox.clone(), ctx.clone()).await {
                Self::push(&inbox, &ctx, bridge::rejection(context, rejected));
            }
        });
    }

    fn listen_for_drops(&self) {
        let inbox = self.inbox.clone();
        let ctx = self.ctx.clone();
        let handler = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            let paths = Reflect::get(&event, &"payload".into()).and_then(|p| Reflect::get(&p, &"paths".into()));
            if let Ok(paths) = paths {
                if let Some(first) = js_sys::Array::from(&paths).get(0).as_string() {
                    Self::push(&inbox, &ctx, Reply::FileDropped(first));
                }
            }
        });
        let listen = tauri_function(&["event", "listen"]);
        if let Ok(listen) = listen {
            let _ = listen.call2(&JsValue::NULL, &"tauri://drag-drop".into(), handler.as_ref());
        }
        // The listener lives as long as the page.
        handler.forget();
    }
}

impl Backend for TauriBackend {
    /// Every request goes the way `bridge::invocation` says, which the native integration
    /// test drives against the real shell commands too.
    fn send(&mut self, request: Request) {
        match bridge::invocation(request) {
            Invocation::Call { command, context, args, decode } => self.call(command, context, args, decode),
            Invocation::Task { command, context, args } => self.start_task(command, context, args),
        }
    }

    fn poll(&mut self) -> Vec<Reply> {
        std::mem::take(&mut *self.inbox.borrow_mut())
    }
}

/// A JavaScript value (parsed by Tauri from the shell's JSON) as JSON again, read with
/// serde_json: the same reader the shell and the tests use, so numbers and the protocol's
/// non-finite texts read the same everywhere. `undefined` (a command answering `()`) is `null`.
fn to_json(value: &JsValue) -> Result<Value, Value> {
    if value.is_undefined() || value.is_null() {
        return Ok(Value::Null);
    }
    let text = js_sys::JSON::stringify(value).map_err(|e| Value::String(js_text(&e)))?;
    let text: String = text.into();
    serde_json::from_str(&text).map_err(|e| Value::String(format!("the answer is not JSON: {e}")))
}

/// JSON arguments as the JavaScript object `invoke` takes.
fn to_js(args: Args) -> Result<JsValue, Value> {
    let args = args.map_err(|error| serde_json::to_value(&error).unwrap_or(Value::Null))?;
    js_sys::JSON::parse(&args.to_string()).map_err(|e| Value::String(js_text(&e)))
}

/// Invokes a task-starting command with a fresh `Channel` whose messages become task replies.
async fn start_task(command: &str, args: Args, inbox: Inbox, ctx: egui::Context) -> Result<(), Value> {
    let channel_class = tauri_function(&["core", "Channel"]).map_err(|e| Value::String(js_text(&e)))?;
    let channel = Reflect::construct(&channel_class, &js_sys::Array::new()).map_err(|e| Value::String(js_text(&e)))?;
    let on_message = Closure::<dyn FnMut(JsValue)>::new(move |message: JsValue| {
        let reply = match to_json(&message) {
            Ok(message) => bridge::task_event(message),
            Err(problem) => bridge::rejection("Receiving progress", problem),
        };
        TauriBackend::push(&inbox, &ctx, reply);
    });
    Reflect::set(&channel, &"onmessage".into(), on_message.as_ref()).map_err(|e| Value::String(js_text(&e)))?;
    // The channel outlives this call: it keeps delivering until the task ends.
    on_message.forget();
    // The arguments are a plain object, to which the channel argument is added.
    let args = to_js(args)?;
    Reflect::set(&args, &"onEvent".into(), &channel).map_err(|e| Value::String(js_text(&e)))?;
    invoke_raw(command, args).await.map(|_| ())
}

/// Runs `command`; its answer as JSON, or what it rejected with (an `ApiError` as JSON).
async fn invoke(command: &str, args: Args) -> Result<Value, Value> {
    let answer = invoke_raw(command, to_js(args)?).await?;
    to_json(&answer)
}

async fn invoke_raw(command: &str, args: JsValue) -> Result<JsValue, Value> {
    let invoke = tauri_function(&["core", "invoke"]).map_err(|e| Value::String(js_text(&e)))?;
    let promise = invoke.call2(&JsValue::NULL, &command.into(), &args).map_err(|e| Value::String(js_text(&e)))?;
    let promise: Promise = promise.dyn_into().map_err(|e| Value::String(js_text(&e)))?;
    // Commands reject with our serialized ApiError; anything else is shown as text.
    JsFuture::from(promise).await.map_err(|e| to_json(&e).unwrap_or_else(|text| text))
}

/// Looks up `window.__TAURI__.<path>` (present because `app.withGlobalTauri` is on).
fn tauri_function(path: &[&str]) -> Result<Function, JsValue> {
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let mut value = Reflect::get(&window, &"__TAURI__".into())?;
    for key in path {
        value = Reflect::get(&value, &(*key).into())?;
    }
    value.dyn_into::<Function>().map_err(|_| JsValue::from_str(&format!("window.__TAURI__.{} is missing", path.join("."))))
}

fn js_text(value: &JsValue) -> String {
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}
