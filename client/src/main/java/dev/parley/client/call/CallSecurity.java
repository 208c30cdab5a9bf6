package dev.parley.client.call;

/**
 * How a call is protected, once its keys are agreed (docs/protocol.md "Call keys and SAS").
 *
 * @param sas the short authentication string, "123 456": the same on both sides unless someone
 *     with the login server's key sits in the middle; users compare it by voice
 * @param cipherSuite signals and media, e.g. {@value CallKeys#SUITE}
 * @param peerFingerprint the peer's identity key fingerprint ({@link CallKeys#fingerprint})
 */
public record CallSecurity(String sas, String cipherSuite, String peerFingerprint) {}
