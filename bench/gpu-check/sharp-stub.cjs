// The GPU check bundle renders raw values only: sharp (PNG encoding, ~10 MB of native code) stays out.
module.exports = () => {
  throw new Error("sharp is not part of the gpu-check bundle");
};
