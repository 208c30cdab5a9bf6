package dev.parley.protocol.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.security.InvalidKeyException;
import java.security.InvalidParameterException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.SignatureException;
import java.security.SignatureSpi;
import java.security.interfaces.ECKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECParameterSpec;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.CipherParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.crypto.signers.StandardDSAEncoding;
import org.bouncycastle.math.ec.ECPoint;

/**
 * {@code SHA256withECDSA} on P-256 (FIPS 186-5 §6; signatures DER-encoded as in RFC 3279 §2.2.3)
 * done by BouncyCastle's lightweight API on its precomputed secp256r1 curve, installed ahead of the
 * JDK's provider ({@link HandshakeProvider}) for the TLS handshake's {@code CertificateVerify}
 * (RFC 8446 §4.4.3, {@code ecdsa_secp256r1_sha256}).
 *
 * <p>Why: a client rejoining after its super node died makes a TLS handshake, and the JDK's P-256
 * verification was a quarter of all CPU while hundreds of clients rejoined at once; with this one a
 * client's handshake costs about 1,070 µs of CPU instead of 1,570 µs, the super node's 670 µs
 * instead of 770 µs ({@code parley bench tls}; docs/benchmarks.md "Rejoin and TLS"). Signing uses
 * deterministic nonces (RFC 6979 §3.2), so no random source can weaken the key.
 *
 * <p>Only P-256 keys are taken: for any other key {@code initVerify}/{@code initSign} throw
 * {@link InvalidKeyException}, and the JCA's delayed provider selection moves on to the JDK's.
 */
final class P256Ecdsa extends SignatureSpi {
    private static final X9ECParameters CURVE = CustomNamedCurves.getByName("secp256r1");
    private static final ECDomainParameters DOMAIN = new ECDomainParameters(CURVE);
    private static final BigInteger GX = DOMAIN.getG().getAffineXCoord().toBigInteger();
    private static final BigInteger GY = DOMAIN.getG().getAffineYCoord().toBigInteger();
    private static final BigInteger A = CURVE.getCurve().getA().toBigInteger();
    private static final BigInteger B = CURVE.getCurve().getB().toBigInteger();
    /** Longest DER ECDSA-Sig-Value for P-256: SEQUENCE of two INTEGERs of at most 33 bytes each. */
    private static final int MAX_SIGNATURE_BYTES = 72;

    private final SHA256Digest digest = new SHA256Digest();
    private ECDSASigner signer;

    P256Ecdsa() {}

    @Override
    protected void engineInitVerify(PublicKey key) throws InvalidKeyException {
        if (!(key instanceof ECPublicKey ec) || !isP256(ec)) {
            throw new InvalidKeyException("not a P-256 public key: " + (key == null ? null : key.getAlgorithm()));
        }
        ECPoint point;
        try {
            point = CURVE.getCurve().createPoint(ec.getW().getAffineX(), ec.getW().getAffineY());
        } catch (IllegalArgumentException e) {
            throw new InvalidKeyException("P-256 public key: " + e.getMessage(), e);
        }
        if (!point.isValid()) { // not on the curve, or the point at infinity
            throw new InvalidKeyException("P-256 public key: not a point of the curve");
        }
        init(false, new ECPublicKeyParameters(point, DOMAIN));
    }

    @Override
    protected void engineInitSign(PrivateKey key) throws InvalidKeyException {
        if (!(key instanceof ECPrivateKey ec) || !isP256(ec)) {
            throw new InvalidKeyException("not a P-256 private key: " + (key == null ? null : key.getAlgorithm()));
        }
        init(true, new ECPrivateKeyParameters(ec.getS(), DOMAIN));
    }

    @Override
    protected void engineInitSign(PrivateKey key, SecureRandom random) throws InvalidKeyException {
        engineInitSign(key); // RFC 6979: the nonce comes from the key and the message, not from random
    }

    private void init(boolean forSigning, CipherParameters parameters) {
        signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
        signer.init(forSigning, parameters);
        digest.reset();
    }

    private static boolean isP256(ECKey key) {
        ECParameterSpec p = key.getParams();
        return p != null && p.getCofactor() == 1 && p.getOrder().equals(DOMAIN.getN())
                && p.getGenerator().getAffineX().equals(GX) && p.getGenerator().getAffineY().equals(GY)
                && p.getCurve().getField().getFieldSize() == 256
                && p.getCurve().getA().equals(A) && p.getCurve().getB().equals(B);
    }

    @Override
    protected void engineUpdate(byte b) throws SignatureException {
        requireInit();
        digest.update(b);
    }

    @Override
    protected void engineUpdate(byte[] b, int off, int len) throws SignatureException {
        requireInit();
        digest.update(b, off, len);
    }

    @Override
    protected byte[] engineSign() throws SignatureException {
        requireInit();
        BigInteger[] rs = signer.generateSignature(hash());
        try {
            return StandardDSAEncoding.INSTANCE.encode(DOMAIN.getN(), rs[0], rs[1]);
        } catch (IOException e) {
            throw new SignatureException("cannot encode the signature: " + e.getMessage(), e);
        }
    }

    /** @return false for a signature that does not verify or is not a DER ECDSA-Sig-Value of P-256 */
    @Override
    protected boolean engineVerify(byte[] signature) throws SignatureException {
        requireInit();
        byte[] hash = hash();
        if (signature == null || signature.length > MAX_SIGNATURE_BYTES) {
            return false;
        }
        BigInteger[] rs;
        try {
            rs = StandardDSAEncoding.INSTANCE.decode(DOMAIN.getN(), signature); // strict DER, 0 < r, s < n
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return signer.verifySignature(hash, rs[0], rs[1]);
    }

    private byte[] hash() {
        byte[] out = new byte[digest.getDigestSize()];
        digest.doFinal(out, 0);
        return out;
    }

    private void requireInit() throws SignatureException {
        if (signer == null) {
            throw new SignatureException("not initialized for signing or verification");
        }
    }

    @Override
    @Deprecated
    protected void engineSetParameter(String param, Object value) {
        throw new InvalidParameterException("no parameters: " + param);
    }

    @Override
    @Deprecated
    protected Object engineGetParameter(String param) {
        throw new InvalidParameterException("no parameters: " + param);
    }
}
