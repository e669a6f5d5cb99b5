import { mount } from "svelte";
import "layerchart/core.css";
import App from "./App.svelte";
// The UI's font ships with the UI (latin subset: Spanish and English), so the app looks
// and measures the same on every tablet, whatever fonts the machine has.
import "@fontsource/inter/latin-400.css";
import "@fontsource/inter/latin-600.css";
import "@fontsource/inter/latin-700.css";
import "./app.css";

const target = document.getElementById("app");
if (!target) throw new Error("no #app element");
export default mount(App, { target });
