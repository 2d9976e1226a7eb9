/** H.264 codec strings the client offers, most preferred first (high, main, baseline; level 4.0). Zod-free on purpose: the widget imports it. */
export const H264_CODECS = ["avc1.640028", "avc1.4D4028", "avc1.42E028"] as const;
