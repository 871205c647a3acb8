//! When no fix held: why no change within the inputs can, by what makes the anchor and the
//! issuer, with what would.

use crate::duration::GoDuration;
use crate::plan::Config;
use crate::sim::CaKind;

/// Why no change within the inputs can hold, by what makes the anchor and the issuer, with
/// what would.
pub(super) fn why_none(cfg: &Config) -> Vec<String> {
    let n = &cfg.names;
    let mut out = Vec::new();
    let d = cfg.anchor.get_duration();
    match cfg.topology.anchor {
        CaKind::Static => out.push(format!(
            "the anchor ({}) is a static Secret: nothing in the inputs renews it, so no manifest change outlives its notAfter; make a new one before then (step certificate create root.linkerd.cluster.local ca.crt ca.key --profile root-ca --no-password --insecure --not-after 87600h) and rotate to it by the seven-step procedure (the rotate example, or linkerd upgrade --identity-trust-anchors-file / the Helm value identityTrustAnchorsPEM holding both anchors until every pod restarted)",
            n.anchor_secret
        )),
        CaKind::External => out.push(format!(
            "the trust anchor is an external signer's own CA ({}{}): its renewal is the signer's, out of these inputs' reach, and no manifest change outlives it; before then, have the signer make a new CA, put it in the trust roots beside the old one until every pod has restarted, and only then switch the signer to it; or have cert-manager issue Linkerd's own anchor under the signer (a Certificate with isCA: true whose issuerRef names it), which the search can then rotate",
            cfg.topology
                .above
                .last()
                .map_or("its signer", |c| c.name.as_str()),
            cfg.secrets.as_ref().map_or_else(String::new, |s| format!(
                ", valid until {}",
                crate::display::rfc3339(s.anchor.certificate().not_after())
            )),
        )),
        CaKind::Managed => {
            if let Some(signer) = cfg
                .topology
                .above
                .last()
                .filter(|n| n.kind == CaKind::External)
            {
                out.push(format!(
                    "the anchor is issued by an external signer ({}) for {}: any fix needs an operator rotating it every {} or a longer certificate from the signer; give --restart-every with your pods' restart cadence to let the unattended schedule prove one",
                    signer.name,
                    GoDuration(d),
                    GoDuration(d * 2 / 3)
                ));
            }
        }
    }
    if cfg.topology.issuer == CaKind::Static {
        out.push(format!(
            "the identity issuer ({}) is a static Secret nothing renews: replace it before its notAfter (step certificate create identity.linkerd.cluster.local issuer.crt issuer.key --profile intermediate-ca --not-after 8760h --no-password --insecure --ca ca.crt --ca-key ca.key; then linkerd upgrade --identity-issuer-certificate-file issuer.crt --identity-issuer-key-file issuer.key, or the Helm values identity.issuer.tls.crtPEM and keyPEM), or let cert-manager issue it",
            n.issuer
        ));
    }
    if cfg.topology.auto_rotatable().is_err() && cfg.topology.anchor.is_managed() {
        out.push(format!(
            "unattended rotation cannot drive this topology ({}), and every other change tried broke (above)",
            cfg.topology
                .auto_rotatable()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        ));
    }
    if out.is_empty() {
        out.push(
            "no change in the catalogue, alone or paired, holds over this horizon: each candidate's first break is above; a shorter --horizon, or --restart-every with your pods' real cadence, lets more of them prove".into(),
        );
    }
    out
}
