/** The tests' one way to wait for real time to pass: a timer, through whatever `setTimeout` is current (a fake clock's too). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
