//! Where the controls of a user's journey are on screen. The webview shows the whole UI as one
//! canvas, so an end-to-end test driving the real window with the mouse cannot ask a DOM where
//! a button is; the panes mark the few controls of the journey instead, and the app reports
//! them to the host whenever they move, appear or disappear.

use std::collections::BTreeMap;

use plantlab_protocol::{WidgetMark, WidgetReport};

/// The controls marked during the current frame: id → rect rounded to whole logical pixels.
#[derive(Clone, Default, PartialEq)]
pub struct Marks(BTreeMap<String, [i32; 4]>);

fn key() -> egui::Id {
    egui::Id::unique("plantlab-probe-marks")
}

/// Marks `response`'s widget as `id` for this frame, if it is really on screen.
pub fn mark(ui: &egui::Ui, id: impl Into<String>, response: &egui::Response) {
    let rect = response.rect.intersect(ui.clip_rect());
    if rect.width() < 1.0 || rect.height() < 1.0 {
        return;
    }
    let rounded = [rect.min.x.round() as i32, rect.min.y.round() as i32, rect.width().round() as i32, rect.height().round() as i32];
    let id = id.into();
    ui.ctx().data_mut(|data| {
        data.get_temp_mut_or_default::<Marks>(key()).0.insert(id, rounded);
    });
}

/// This frame's marks, cleared for the next frame.
pub fn take(ctx: &egui::Context) -> Marks {
    ctx.data_mut(|data| data.remove_temp::<Marks>(key())).unwrap_or_default()
}

impl Marks {
    pub fn report(&self) -> WidgetReport {
        WidgetReport {
            widgets: self
                .0
                .iter()
                .map(|(id, [x, y, w, h])| WidgetMark { id: id.clone(), rect: [*x as f32, *y as f32, *w as f32, *h as f32] })
                .collect(),
        }
    }
}
