// The modules `xterm` and `xterm-addon-fit` that xterm-js-rs imports: index.html's import map
// points both here. Their exports are live bindings, empty until `loadXterm()` has imported
// xterm 6, its fit add-on and xterm's CSS (copied to xterm/ by trunk), so the dashboard's first
// load fetches none of them: only opening a console does.
export let Terminal;
export let FitAddon;

let loading = null;

export function loadXterm() {
  loading ??= Promise.all([
    import('./xterm/xterm.mjs'),
    import('./xterm/addon-fit.mjs'),
    stylesheet(new URL('./xterm/xterm.css', import.meta.url).href),
  ]).then(
    ([xterm, fit]) => {
      Terminal = xterm.Terminal;
      FitAddon = fit.FitAddon;
    },
    (error) => {
      // A later console tries again.
      loading = null;
      throw error;
    },
  );
  return loading;
}

function stylesheet(href) {
  return new Promise((resolve, reject) => {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = href;
    link.onload = resolve;
    link.onerror = () => {
      link.remove();
      reject(new Error(`cannot load ${href}`));
    };
    document.head.append(link);
  });
}
