namespace Lanes.Nacos.Client;

/// <summary>
/// The server wants credentials Lanes does not have, or refused the ones it has. The message names the keys to set.
/// </summary>
internal sealed class NacosAuthenticationException : NacosException
{
    private NacosAuthenticationException(string message, bool configurationError)
        : base(message, transient: false) => ConfigurationError = configurationError;

    /// <summary>
    /// Whether nothing this process does with Nacos can work until its configuration changes (no credentials for a
    /// server that requires them, or a login the server refuses), as opposed to one read the user may not make.
    /// </summary>
    public bool ConfigurationError { get; }

    /// <summary>The error for a server that demands authentication from a client configured without any.</summary>
    public static NacosAuthenticationException Required(string server, string detail) => new(
        $"Nacos at {server} requires authentication ({detail}) and no credentials are configured: set "
        + $"{NacosOptions.SectionName}:UserName and {NacosOptions.SectionName}:Password, or, where the server checks access-key "
        + $"signatures, {NacosOptions.SectionName}:AccessKey and {NacosOptions.SectionName}:SecretKey "
        + $"(nacos-sdk-csharp's {NacosOptions.SdkSectionName}:UserName/Password and AccessKey/SecretKey are read too).",
        configurationError: true);

    /// <summary>The error for a login the server refuses.</summary>
    public static NacosAuthenticationException LoginRefused(string server, string userName, int status) => new(
        $"Nacos at {server} refused the login of user '{userName}' ({status}); check {NacosOptions.SectionName}:UserName and {NacosOptions.SectionName}:Password.",
        configurationError: true);

    /// <summary>The error for a request the server refuses although credentials were presented.</summary>
    public static NacosAuthenticationException Refused(string server, string? userName, string detail) => new(
        userName is null
            ? $"Nacos at {server} refused the access-key signature ({detail}); check {NacosOptions.SectionName}:AccessKey and {NacosOptions.SectionName}:SecretKey."
            : $"Nacos at {server} refused user '{userName}' ({detail}); check {NacosOptions.SectionName}:UserName and {NacosOptions.SectionName}:Password, and the user's permissions on the namespace.",
        configurationError: false);
}
