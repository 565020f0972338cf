// Mounts the studio window.
import { render } from "solid-js/web";
import App from "./App";

const root = document.getElementById("app");
if (!root) throw new Error("index.html has no #app");
render(() => <App />, root);
