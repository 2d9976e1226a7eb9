/** AVC (H.264) helpers: avcC parsing, the WebCodecs codec string, AVCC <-> Annex B. */
import { NapariCudaError } from "../../protocol/errors.js";

/** The fields of an AVCDecoderConfigurationRecord that the stream needs. */
export interface AvcConfig {
  profileIdc: number;
  /** constraint_set0..5 flags byte ("profile compatibility"). */
  constraintFlags: number;
  levelIdc: number;
  /** Bytes of each NAL unit length prefix in the access units (1, 2 or 4). */
  nalLengthSize: number;
  sps: Uint8Array[];
  pps: Uint8Array[];
}

const NAL_SPS = 7;
const NAL_PPS = 8;
const START_CODE = Uint8Array.of(0, 0, 0, 1);

function bad(why: string): never {
  throw new NapariCudaError("encoder_failed", `invalid avcC: ${why}`);
}

/** Parse and validate an avcC record (ISO/IEC 14496-15 5.2.4.1). */
export function parseAvcC(avcC: Uint8Array): AvcConfig {
  if (avcC.length < 7) bad(`${avcC.length} bytes`);
  if (avcC[0] !== 1) bad(`configurationVersion ${avcC[0]}`);
  const nalLengthSize = (avcC[4]! & 0x03) + 1;
  if (nalLengthSize === 3) bad("lengthSizeMinusOne 2");
  let pos = 6;
  const readSets = (count: number, nalType: number, what: string): Uint8Array[] => {
    const sets: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      if (pos + 2 > avcC.length) bad(`${what}[${i}] length past the end`);
      const len = (avcC[pos]! << 8) | avcC[pos + 1]!;
      pos += 2;
      if (len === 0 || pos + len > avcC.length) bad(`${what}[${i}] of ${len} bytes past the end`);
      const nal = avcC.subarray(pos, pos + len);
      if ((nal[0]! & 0x1f) !== nalType) bad(`${what}[${i}] has NAL type ${nal[0]! & 0x1f}`);
      sets.push(nal);
      pos += len;
    }
    return sets;
  };
  const sps = readSets(avcC[5]! & 0x1f, NAL_SPS, "sps");
  if (sps.length === 0) bad("no SPS");
  if (pos >= avcC.length) bad("no PPS count");
  const ppsCount = avcC[pos++]!;
  const pps = readSets(ppsCount, NAL_PPS, "pps");
  if (pps.length === 0) bad("no PPS");
  const first = sps[0]!;
  if (first.length < 4 || first[1] !== avcC[1] || first[2] !== avcC[2] || first[3] !== avcC[3]) {
    bad("profile/level bytes differ from the SPS");
  }
  return { profileIdc: avcC[1]!, constraintFlags: avcC[2]!, levelIdc: avcC[3]!, nalLengthSize, sps, pps };
}

/** WebCodecs codec string `avc1.PPCCLL` (lower-case hex) from an avcC record. */
export function codecStringFromAvcC(avcC: Uint8Array): string {
  const c = parseAvcC(avcC);
  const hex = (v: number): string => v.toString(16).padStart(2, "0");
  return `avc1.${hex(c.profileIdc)}${hex(c.constraintFlags)}${hex(c.levelIdc)}`;
}

/** Split an AVCC access unit into its NAL units (views, no copy); throws on a bad length prefix. */
export function splitAvcc(au: Uint8Array, nalLengthSize = 4): Uint8Array[] {
  const nals: Uint8Array[] = [];
  let pos = 0;
  while (pos < au.length) {
    if (pos + nalLengthSize > au.length) bad(`access unit: truncated length prefix at byte ${pos}`);
    let len = 0;
    for (let i = 0; i < nalLengthSize; i++) len = len * 256 + au[pos + i]!;
    pos += nalLengthSize;
    if (len === 0 || pos + len > au.length) bad(`access unit: NAL of ${len} bytes at byte ${pos} overruns`);
    nals.push(au.subarray(pos, pos + len));
    pos += len;
  }
  return nals;
}

/** nal_unit_type of each NAL in an AVCC access unit (5 = IDR slice, 1 = non-IDR slice, 6 = SEI). */
export function nalUnitTypes(au: Uint8Array, nalLengthSize = 4): number[] {
  return splitAvcc(au, nalLengthSize).map((nal) => nal[0]! & 0x1f);
}

function joinWithStartCodes(nals: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(nals.reduce((n, nal) => n + START_CODE.length + nal.length, 0));
  let pos = 0;
  for (const nal of nals) {
    out.set(START_CODE, pos);
    out.set(nal, pos + START_CODE.length);
    pos += START_CODE.length + nal.length;
  }
  return out;
}

/** Convert an AVCC access unit to Annex B (4-byte start codes). For tests and debugging. */
export function avccToAnnexB(au: Uint8Array, nalLengthSize = 4): Uint8Array {
  return joinWithStartCodes(splitAvcc(au, nalLengthSize));
}

/** SPS and PPS of an avcC record as Annex B (what a raw .h264 stream carries before an IDR). */
export function parameterSetsAnnexB(avcC: Uint8Array): Uint8Array {
  const c = parseAvcC(avcC);
  return joinWithStartCodes([...c.sps, ...c.pps]);
}
