// The status bar: the last message and the connection to Temporal.
import { useStudio } from "../stores/studio";

export default function StatusBar() {
  const { status } = useStudio();
  return (
    <footer class="status">
      <span id="status" data-kind={status.state.kind}>{status.state.text}</span>
      <span class="spacer"></span>
      <span
        id="health"
        class="muted"
        data-connected={status.state.connected === undefined ? undefined : String(status.state.connected)}
        data-source={status.state.source}
      >
        {status.state.health}
      </span>
    </footer>
  );
}
