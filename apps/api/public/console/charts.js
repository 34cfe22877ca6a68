// @ts-check
/** Small live line charts drawn as inline SVG (no chart library). */

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 300;
const HEIGHT = 60;

/**
 * @typedef {object} ChartOptions
 * @property {string} title shown above the chart and read by screen readers
 * @property {(v: number) => string} format the value's text (with its unit)
 * @property {number} [points] samples kept (default 90: 3 minutes at one per 2 s)
 * @property {number} [minTop] the y axis reaches at least this value (a flat 0 line stays at the bottom)
 */

/**
 * A chart in `figure`: `push(value)` adds a sample (null = no data, drawn as a gap).
 * @param {HTMLElement} figure
 * @param {ChartOptions} opts
 */
export function createChart(figure, opts) {
  const points = opts.points ?? 90;
  /** @type {(number | null)[]} */
  const values = [];
  const caption = document.createElement("figcaption");
  const title = document.createElement("span");
  title.textContent = opts.title;
  const current = document.createElement("span");
  current.className = "value";
  current.textContent = "–";
  caption.append(title, current);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("role", "img");
  const area = document.createElementNS(SVG, "path");
  area.setAttribute("class", "area");
  const line = document.createElementNS(SVG, "path");
  line.setAttribute("class", "line");
  // The newest sample as a dot: a single sample has no line to draw.
  const dot = document.createElementNS(SVG, "ellipse");
  dot.setAttribute("class", "dot");
  svg.append(area, line, dot);
  const axis = document.createElement("div");
  axis.className = "axis";
  const left = document.createElement("span");
  const right = document.createElement("span");
  axis.append(left, right);
  figure.replaceChildren(caption, svg, axis);

  function draw() {
    const known = /** @type {number[]} */ (values.filter((v) => v !== null));
    const top = Math.max(opts.minTop ?? 0, ...known) * 1.1 || 1;
    const step = WIDTH / Math.max(points - 1, 1);
    const offset = points - values.length;
    let d = "";
    let fill = "";
    /** @type {[number, number][]} */
    let run = [];
    const flush = () => {
      if (run.length === 0) return;
      d += run.map(([x, y], i) => `${i ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`).join("");
      const first = run[0];
      const last = run[run.length - 1];
      if (first && last)
        fill += `M${first[0].toFixed(1)},${HEIGHT}${run.map(([x, y]) => `L${x.toFixed(1)},${y.toFixed(1)}`).join("")}L${last[0].toFixed(1)},${HEIGHT}Z`;
      run = [];
    };
    values.forEach((v, i) => {
      if (v === null) return flush();
      run.push([(offset + i) * step, HEIGHT - (v / top) * (HEIGHT - 4) - 2]);
    });
    const newest = run[run.length - 1];
    flush();
    line.setAttribute("d", d);
    // An ellipse in the stretched viewBox reads as a round dot on a ~4:1 chart.
    dot.setAttribute("rx", newest ? "3" : "0");
    dot.setAttribute("ry", newest ? "2.5" : "0");
    if (newest) {
      dot.setAttribute("cx", newest[0].toFixed(1));
      dot.setAttribute("cy", newest[1].toFixed(1));
    }
    area.setAttribute("d", fill);
    const last = values[values.length - 1];
    current.textContent = last === null || last === undefined ? "no data" : opts.format(last);
    const max = known.length ? opts.format(Math.max(...known)) : "no data";
    left.textContent = `max ${max}`;
    right.textContent = `last ${Math.round((points * 2) / 60)} min`;
    svg.setAttribute("aria-label", `${opts.title}: now ${current.textContent}, highest in the last ${Math.round((points * 2) / 60)} minutes ${max}`);
  }
  draw();

  return {
    /** @param {number | null} value */
    push(value) {
      values.push(value);
      if (values.length > points) values.shift();
      draw();
    },
    /** The samples drawn so far (oldest first). */
    samples: () => [...values],
  };
}
