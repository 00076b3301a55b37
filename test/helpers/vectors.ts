/** Small hand-made unit vectors for storage tests, so the expected order of every search is known. */

/** The vector scaled to length 1. */
export function unit(values: number[]): Float32Array {
  const v = Float32Array.from(values);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** A unit vector of `dimension` along axis i, tilted towards the next axis. */
export function axisVector(dimension: number, i: number, tilt = 0): Float32Array {
  const values = new Array<number>(dimension).fill(0);
  values[i] = 1;
  values[(i + 1) % dimension] = tilt;
  return unit(values);
}
