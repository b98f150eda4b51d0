/// Whether one source of an unsupervised separation is modelled as a steady background.
///
/// A steady background (a fan, traffic, a café's babble, an accompaniment that never stops) is
/// present in every frame at a slowly changing level. Modelled by components whose activations
/// carry a strong temporal-continuity penalty (Virtanen 2007), it needs no grouping: those
/// components are that source, and the other components, with sparse activations, model the rest.
/// On 12 held-out mixtures of speech or an instrument against such a background this gains
/// 3.4 dB of SDR over grouping every component by timbre; forced onto mixtures without one it
/// lost 1.5–4.8 dB on three of four (QUALITY.md), hence the floor test of `.automatic`.
/// See ``SteadyBackground``.
public enum BackgroundModel: String, CaseIterable, Sendable {
    /// A steady background when ``SteadyBackground/floor(of:)`` of the mixture reaches
    /// ``SteadyBackground/floorThreshold`` and the configuration is one it was measured for:
    /// two sources, no dictionaries, Kullback–Leibler with a step exponent of 1, no penalty weights set, at least
    /// ``SteadyBackground/componentCount`` + 1 components and
    /// ``SteadyBackground/floorMinimumFrames`` frames. Otherwise `.none`.
    case automatic = "auto"
    /// Always a steady background: source 1 is made of the first
    /// ``SteadyBackground/componentCount`` components with smooth activations (without
    /// dictionaries: `Separator` refuses the two together).
    case steady
    /// No background model: every free component is grouped (the default of the library).
    case none
}
