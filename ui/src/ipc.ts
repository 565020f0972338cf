// Small helpers over the generated `commands` (bindings.ts is the only way to reach Rust).
import { commands, type ApiError, type FileChoice } from "./bindings";

export type Result<T> = { status: "ok"; data: T } | { status: "error"; error: ApiError };

/** The data of a command's result; its `ApiError` is thrown. */
export function unwrap<T>(r: Result<T>): T {
  if (r.status === "error") throw r.error;
  return r.data;
}

/**
 * Files are picked in dialogs the Rust side opens (the backend accepts only paths chosen there,
 * so the page never names a file by itself). Empty when cancelled; errors go to `report`.
 */
export async function chooseFiles(
  choice: FileChoice,
  suggestedName: string | null,
  report: (message: string) => void,
): Promise<string[]> {
  const r = await commands.chooseFiles(choice, suggestedName);
  if (r.status === "error") {
    report(r.error.message);
    return [];
  }
  return r.data;
}
