//! What a device may write, judged on the changes it pushes (the device itself may lie).
//!
//! - **Proven authors.** Every Automerge change names its actor; each device writes under
//!   the one actor bound to its enrolment. A change new to the server is accepted only
//!   from the device that owns its actor, so a history entry's actor names its device for
//!   certain (the `{by, device}` note inside a change is what that device says, and only
//!   the actor is trusted to name it). Changes a device carries for another (an imported
//!   export) are refused until their author's own device has delivered them; the carrier
//!   keeps them, and once the author syncs the carrier's copy goes through. Changes are
//!   not signed one by one, so nothing else could prove them.
//! - **Signatures are append-only** for everyone: a signature once on the server is never
//!   removed or rewritten (signing again adds one). A new signature is sealed with the
//!   sender's own key; only a `jefe` device adds one with the Jefe(a) de Departamento's
//!   role.
//! - **The técnico's reach.** A técnico does not change an expediente's assignees or
//!   sección, and creates expedientes of their own sección only; those are the office's.
//! - **Own stamps, known versions.** A new photo or signature carries the sender's own
//!   device code (the office counts files yet to arrive by it), and a new signature seals
//!   a version that is in the document's history (what it signed can always be shown).

use std::collections::BTreeSet;

use automerge::{Automerge, ChangeHash, ReadDoc};
use brigada_record::messages::Message;
use brigada_record::model::{Expediente, Signature};
use brigada_record::msg;

use crate::devices::{Device, Role};

/// Whose changes a push brought.
#[derive(Debug, PartialEq)]
pub enum Authorship {
    /// Nothing new, or only changes under the device's own actor.
    Own,
    /// A device enrolled before devices said their actor writes under this one, which no
    /// other device holds: bind it now.
    Bind(String),
    /// Changes under another actor (hex) the server does not yet have from its device.
    Foreign(String),
}

/// Judge the changes of `d` the server did not have at `before`.
pub fn authorship(d: &Automerge, before: &[ChangeHash], device: &Device) -> Authorship {
    let actors: BTreeSet<String> = d
        .get_changes(before)
        .iter()
        .map(|c| c.actor_id().to_hex_string())
        .collect();
    match &device.actor {
        Some(own) => match actors.into_iter().find(|a| a != own) {
            Some(other) => Authorship::Foreign(other),
            None => Authorship::Own,
        },
        None => {
            let mut it = actors.into_iter();
            match (it.next(), it.next()) {
                (None, _) => Authorship::Own,
                (Some(one), None) => Authorship::Bind(one),
                (Some(_), Some(second)) => Authorship::Foreign(second),
            }
        }
    }
}

/// The signatures `new` adds to the expediente as the server had it (`old`, `None` for a new
/// one): what the role rules judge and what the server witnesses.
pub fn added_signatures<'a>(
    old: Option<&'a Expediente>,
    new: &'a Expediente,
) -> impl Iterator<Item = &'a Signature> + Clone + 'a {
    new.signatures
        .iter()
        .filter(move |n| old.is_none_or(|o| o.signatures.iter().all(|s| s.id != n.id)))
}

/// Every signature `new` adds seals a version `d` (the document as pushed) holds.
pub fn signed_versions_known(d: &Automerge, old: Option<&Expediente>, new: &Expediente) -> Result<(), Message> {
    for s in added_signatures(old, new) {
        let known = !s.heads.is_empty()
            && s.heads.iter().all(|h| {
                h.parse::<ChangeHash>()
                    .is_ok_and(|h| d.get_change_by_hash(&h).is_some())
            });
        if !known {
            return Err(msg!("refused.signed_version_unknown", name = &s.name));
        }
    }
    Ok(())
}

/// What the device's role allows this push to do to an expediente (`old`: as the server
/// had it, `None` for a new one).
pub fn role_allows(device: &Device, old: Option<&Expediente>, new: &Expediente) -> Result<(), Message> {
    if let Some(old) = old {
        for s in &old.signatures {
            if new.signatures.iter().find(|n| n.id == s.id) != Some(s) {
                return Err(msg!("refused.signature_rewritten", name = &s.name));
            }
        }
    }
    let added = added_signatures(old, new);
    if device.role != Role::Jefe && added.clone().any(|s| s.role == "jefe") {
        return Err(msg!("refused.jefe_signature"));
    }
    // A device seals with its own key only: a new seal under another device's key was not
    // made on this device (and no device may carry another's changes).
    let own = device.public_key.as_deref().unwrap_or_default();
    if let Some(s) = added.clone().find(|s| !s.device_key.eq_ignore_ascii_case(own)) {
        return Err(msg!("refused.not_your_seal", name = &s.name));
    }
    // The seal must be this device's own over what the signature says: the server then
    // witnesses only seals their sender made (the office trusts that first receipt).
    if let Some(s) = added.clone().find(|s| brigada_record::seal::check(&new.id, s).is_err()) {
        return Err(msg!("refused.bad_seal", name = &s.name));
    }
    // New photos and signatures name the device that sent them: their changes are its own
    // (proven authors), so another code there is a lie about who took them.
    if let Some(code) = device.device_code.as_deref().filter(|c| !c.is_empty()) {
        let new_photos = new
            .photos
            .iter()
            .filter(|p| old.is_none_or(|o| o.photos.iter().all(|x| x.id != p.id)))
            .map(|p| &p.stamp);
        if let Some(st) = new_photos
            .chain(added.clone().map(|s| &s.stamp))
            .find(|st| st.device != code)
        {
            return Err(msg!("refused.stamp_not_yours", device = &st.device));
        }
    }
    if device.role != Role::Tecnico {
        return Ok(());
    }
    match old {
        Some(old) => {
            let set = |v: &[String]| v.iter().map(|a| a.trim().to_owned()).collect::<BTreeSet<_>>();
            if set(&old.assignees) != set(&new.assignees) {
                return Err(msg!("refused.assignees_by_tecnico"));
            }
            if old.seccion != new.seccion {
                return Err(msg!("refused.seccion_by_tecnico"));
            }
        }
        None => {
            if !device.seccion.is_empty() && new.seccion != device.seccion {
                return Err(msg!(
                    "refused.other_seccion",
                    mine = &device.seccion,
                    theirs = &new.seccion
                ));
            }
        }
    }
    Ok(())
}
