import { describe, expect, it } from "vitest";
import { base32Decode, base32Encode } from "../../internal/base32.js";
import { importHmacKey, utf8 } from "../../internal/hmac.js";
import { memoryStorage } from "../../storage/memory-storage.js";
import { createFakeClock } from "../../testing/fake-clock.js";
import { authModule } from "../auth-test-kit.js";
import { totpCode } from "./totp.js";

// RFC 6238 Appendix B: the seeds are ASCII digits, 20/32/64 bytes long for SHA1/SHA256/SHA512.
const SEEDS = {
  SHA1: "12345678901234567890",
  SHA256: "12345678901234567890123456789012",
  SHA512: "1234567890123456789012345678901234567890123456789012345678901234",
} as const;
const HASH = { SHA1: "SHA-1", SHA256: "SHA-256", SHA512: "SHA-512" } as const;

const VECTORS: ReadonlyArray<[timeS: number, sha1: string, sha256: string, sha512: string]> = [
  [59, "94287082", "46119246", "90693936"],
  [1111111109, "07081804", "68084774", "25091201"],
  [1111111111, "14050471", "67062674", "99943326"],
  [1234567890, "89005924", "91819424", "93441116"],
  [2000000000, "69279037", "90698825", "38618901"],
  [20000000000, "65353130", "77737706", "47863826"],
];

describe("TOTP (RFC 6238)", () => {
  describe.each(["SHA1", "SHA256", "SHA512"] as const)("%s", (algorithm) => {
    it.each(VECTORS)("T=%i", async (timeS, ...codes) => {
      const key = await importHmacKey(HASH[algorithm], utf8(SEEDS[algorithm]));
      const expected = codes[["SHA1", "SHA256", "SHA512"].indexOf(algorithm)];
      expect(await totpCode(key, timeS * 1000, { digits: 8, periodS: 30 })).toBe(expected);
    });
  });

  it("base32 round-trips and refuses what an encoder would not produce", () => {
    const seed = utf8(SEEDS.SHA1);
    expect(base32Encode(seed)).toBe("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    expect(base32Decode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq")).toEqual(seed);
    expect(base32Decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ====")).toEqual(seed);
    expect(base32Decode("GEZ1")).toBeUndefined();
    expect(base32Decode("GF")).toBeUndefined(); // trailing bits set
  });

  describe("the totp plugin", () => {
    const seedEnv = (algorithm: keyof typeof SEEDS) => ({ TOTP_SECRET: base32Encode(utf8(SEEDS[algorithm])) });

    it.each(["SHA1", "SHA256", "SHA512"] as const)("sends the RFC vector code in its header (%s, 8 digits)", async (algorithm) => {
      const clock = createFakeClock(1111111109 * 1000);
      const module = authModule(
        ["type: plugin", "module: totp", "config:", "  secret_env: TOTP_SECRET", `  algorithm: ${algorithm}`, "  digits: 8"],
        { env: seedEnv(algorithm), storage: memoryStorage({ clock }), clock },
      );
      const code = VECTORS[1]?.[["SHA1", "SHA256", "SHA512"].indexOf(algorithm) + 1];
      expect(await module.apply({ method: "GET", path: "/", query: "" })).toEqual({ headers: [["X-TOTP", code]], query: [] });
      expect(module.headerNames).toEqual(["x-totp"]);
      expect(module.secretValues()).toEqual([seedEnv(algorithm).TOTP_SECRET]);
    });

    it("defaults to 6 digits and 30 s; header and prefix are configurable; the code follows the clock", async () => {
      const clock = createFakeClock(59 * 1000);
      const module = authModule(["type: plugin", "module: totp", "config: {secret_env: TOTP_SECRET, header: Authorization, prefix: 'TOTP '}"], {
        env: seedEnv("SHA1"),
        storage: memoryStorage({ clock }),
        clock,
      });
      const at = async () => (await module.apply({ method: "GET", path: "/", query: "" })).headers;
      // 94287082 truncated to 6 digits.
      expect(await at()).toEqual([["Authorization", "TOTP 287082"]]);
      await clock.set(1111111109 * 1000);
      expect(await at()).toEqual([["Authorization", "TOTP 081804"]]);
    });

    it("a secret that is not base32 fails when the gateway builds the module, naming the variable only", () => {
      const clock = createFakeClock();
      const build = () =>
        authModule(["type: plugin", "module: totp", "config: {secret_env: TOTP_SECRET}"], { env: { TOTP_SECRET: "not-base32!" }, storage: memoryStorage({ clock }), clock });
      expect(build).toThrow(/totp: TOTP_SECRET is not a base32 secret/);
      expect(build).not.toThrow(/not-base32/);
    });
  });
});
