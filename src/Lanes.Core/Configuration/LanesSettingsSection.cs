namespace Lanes.Configuration;

/// <summary>
/// A section under <c>Lanes</c> that a Lanes package binds (<c>Entry</c>, <c>Nacos</c>), and the options type it binds
/// to, so <see cref="UnknownSettingsReporter"/> knows its keys. Registered once per package.
/// </summary>
internal sealed record LanesSettingsSection(string Name, Type OptionsType);
