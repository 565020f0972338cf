import { defineConfig } from "vite";
import solid from "vite-plugin-solid";

// Built into ui/dist and embedded in the app (Tauri's custom-protocol); no dev server needed.
export default defineConfig({
  base: "./",
  clearScreen: false,
  plugins: [solid()],
  build: { outDir: "dist", emptyOutDir: true, target: "safari15" },
  test: { environment: "jsdom", globals: true },
});
