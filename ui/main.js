// Loads the wasm UI; kept as a file (not inline) so the CSP needs no inline scripts.
// If the UI cannot start, say so on the page instead of leaving it blank.
import init, { start } from "./plantlab_ui.js";

function showFailure(error) {
  const message = document.createElement("pre");
  message.id = "startup-error";
  message.textContent = "PlantLab could not start its interface:\n" + String(error && error.stack ? error.stack : error);
  document.body.appendChild(message);
  console.error(error);
}

// The CJK font is a file beside the wasm (not inside it), fetched while the wasm loads. Without
// it the UI still starts; Chinese text then shows as boxes and the console says why.
async function loadCjkFont() {
  try {
    const response = await fetch("fonts/NotoSansSC-GB2312.otf");
    if (!response.ok) {
      throw new Error("HTTP " + response.status);
    }
    return new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    console.warn("PlantLab could not load its CJK font (fonts/NotoSansSC-GB2312.otf): " + error);
    return undefined;
  }
}

try {
  const font = loadCjkFont();
  await init();
  await start("plantlab_canvas", await font);
} catch (error) {
  showFailure(error);
}
