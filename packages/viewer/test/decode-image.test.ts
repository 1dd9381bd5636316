import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { sniffImage } from "../src/client/train/decode-image.ts";

const make = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: "#336699" } });

describe("sniffImage (the Train panel reads the size before decoding)", () => {
  it("reads format and size from PNG, JPEG and WebP (lossy and lossless) headers", async () => {
    expect(sniffImage(await make(321, 123).png().toBuffer())).toEqual({ format: "PNG", width: 321, height: 123 });
    expect(sniffImage(await make(321, 123).jpeg().toBuffer())).toEqual({ format: "JPEG", width: 321, height: 123 });
    expect(sniffImage(await make(321, 123).webp().toBuffer())).toEqual({ format: "WebP", width: 321, height: 123 });
    expect(sniffImage(await make(321, 123).webp({ lossless: true }).toBuffer())).toEqual({
      format: "WebP",
      width: 321,
      height: 123,
    });
  });

  it("knows no other format", async () => {
    expect(sniffImage(new TextEncoder().encode("GIF89a not supported here"))).toBeUndefined();
    expect(sniffImage(await make(8, 8).gif().toBuffer())).toBeUndefined();
    expect(sniffImage(new Uint8Array(0))).toBeUndefined();
  });
});
