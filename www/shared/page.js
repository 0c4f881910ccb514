// What every page shows the same way: the error box and the reason of an error.

/** An error's message, without its final full stop (so it reads inside a sentence). */
export const reason = (error) => String(error?.message ?? error).replace(/\.$/, '');

/**
 * The page's error box (`#error`, with `#error-text` and `#error-close` when it can be
 * dismissed); returns `{show, clear}`: `show(message)` shows a message a visitor can act on. With
 * `gather`, messages gather in the box until it is dismissed (once each); otherwise the latest
 * replaces the others. Every message is also pushed to `log` (what tests read), if given.
 */
export function errorBox({ gather = false, log = null } = {}) {
  const box = document.getElementById('error');
  const text = document.getElementById('error-text');
  const clear = () => { box.hidden = true; };
  document.getElementById('error-close')?.addEventListener('click', clear);
  const show = (message) => {
    log?.push(message);
    if (!text) { // a box without a dismiss button: one line of text
      box.textContent = message;
      box.hidden = false;
      return;
    }
    if (!gather || box.hidden) text.replaceChildren();
    if ([...text.children].some((p) => p.textContent === message)) return;
    const line = document.createElement('p');
    line.textContent = message;
    text.append(line);
    box.hidden = false;
  };
  return { show, clear };
}
