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

try {
  await init();
  await start("plantlab_canvas");
} catch (error) {
  showFailure(error);
}
