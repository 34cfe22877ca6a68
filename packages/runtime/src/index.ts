// What the apps share to run as processes (see README, Layout).
export { TimeLimitError, settleWithin, settlesWithin } from "./settle.js";
