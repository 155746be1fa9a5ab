namespace Lanes.Nacos;

/// <summary>
/// Options of the Nacos integration, bound from <c>Lanes:Nacos</c> (and, for a drop-in move from
/// nacos-sdk-csharp, from the keys it reads in the <c>nacos</c> section) and validated on start.
/// </summary>
public sealed class NacosOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "Lanes:Nacos";

    /// <summary>The nacos-sdk-csharp section whose keys are also accepted; <c>Lanes:Nacos</c> wins where both set a value.</summary>
    public const string SdkSectionName = "nacos";

    /// <summary>
    /// The Nacos servers, for example <c>http://10.0.0.1:8848</c>; tried in order, moving to the next on failure.
    /// A single comma-separated string is accepted too. Required.
    /// </summary>
    public List<string> ServerAddresses { get; set; } = [];

    /// <summary>The server's context path.</summary>
    /// <value>The default value is <c>nacos</c>.</value>
    public string ContextPath { get; set; } = "nacos";

    /// <summary>The namespace id; empty means <c>public</c>.</summary>
    /// <value>The default value is <c>public</c>.</value>
    public string? Namespace { get; set; } = "public";

    /// <summary>The group of services that are named without one, and of this instance's registration.</summary>
    /// <value>The default value is <c>DEFAULT_GROUP</c>.</value>
    public string GroupName { get; set; } = "DEFAULT_GROUP";

    /// <summary>The cluster this instance registers in.</summary>
    /// <value>The default value is <c>DEFAULT</c>.</value>
    public string ClusterName { get; set; } = "DEFAULT";

    /// <summary>
    /// How Lanes talks to Nacos: <see cref="NacosTransport.Auto"/> (gRPC on the client port, falling back to the v3 HTTP
    /// client API and then to the v1 open API), or one of them only.
    /// </summary>
    /// <value>The default value is <see cref="NacosTransport.Auto"/>.</value>
    public NacosTransport Transport { get; set; } = NacosTransport.Auto;

    /// <summary>The user to log in as when the server has authentication enabled; unset sends no credentials.</summary>
    public string? UserName { get; set; }

    /// <summary>The password of <see cref="UserName"/>. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>The access key of an access-key / secret-key signature (servers that check <c>ak</c>, <c>data</c> and <c>signature</c>).</summary>
    public string? AccessKey { get; set; }

    /// <summary>The secret key that signs requests with <see cref="AccessKey"/>. Never logged.</summary>
    public string? SecretKey { get; set; }

    /// <summary>How long one request to one server may take before the next server is tried.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many more rounds over the server list a failed request gets (0 tries each server once).</summary>
    /// <value>The default value is 1.</value>
    public int MaxRetries { get; set; } = 1;

    /// <summary>The pause before the first retry round; it doubles each round, up to 10 seconds. Zero retries at once.</summary>
    /// <value>The default value is 200 milliseconds.</value>
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The largest instance-list answer read (an HTTP body, a gRPC message's body); a larger one is rejected and the last
    /// good list kept. On gRPC a message over twice this size cannot be skipped inside the stream: the client reconnects.
    /// </summary>
    /// <value>The default value is 16 MiB.</value>
    public int MaxResponseBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Maps a host name used in request URIs (<c>http://orders/...</c>, lowercased by <see cref="Uri"/>) to a Nacos
    /// service, written <c>service</c> or <c>group@@service</c> (<c>Lanes:Nacos:Services:orders = ORDER_GROUP@@OrderService</c>).
    /// </summary>
    public Dictionary<string, string> Services { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Whether hosts not listed in <see cref="Services"/> are looked up in Nacos under the same name in
    /// <see cref="GroupName"/>. Only single-label names qualify (<c>orders</c>, not <c>api.example.com</c> or <c>localhost</c>).
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool DiscoverUnlistedServices { get; set; } = true;

    /// <summary>The most services followed at once; further services are left to other discovery providers and logged.</summary>
    /// <value>The default value is 256.</value>
    public int MaxServices { get; set; } = 256;

    /// <summary>The shortest pause between two polls of a service, whatever its <c>cacheMillis</c> says.</summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan MinRefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest pause between two polls of a service (and the cap of the backoff after failures).</summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan MaxRefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether a registry that comes back empty or half-filled is kept from emptying a service (nacos-sdk's
    /// <c>NamingPushEmptyProtection</c>, on every transport): a list with no instances, for a service that had some, is
    /// held and the service re-queried; it applies only once still empty after <see cref="PushEmptyProtectionWindow"/>.
    /// For the same window after the connection to the registry came back, instances missing from a list are kept
    /// (they are re-registering); additions and changes apply at once.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool PushEmptyProtection { get; set; } = true;

    /// <summary>How long an empty list must be confirmed, and how long removals wait after the registry came back.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan PushEmptyProtectionWindow { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Where the last good list of each service is kept on disk, to start from when no server answers.
    /// Unset uses <c>&lt;temp&gt;/lanes-nacos/&lt;namespace&gt;</c>.
    /// </summary>
    public string? FailoverCacheDirectory { get; set; }

    /// <summary>Whether the failover cache is written and read.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool FailoverCacheEnabled { get; set; } = true;

    /// <summary>The gRPC transport (Nacos 2.x and 3.x client port).</summary>
    public NacosGrpcOptions Grpc { get; set; } = new();

    /// <summary>The UDP push receiver of the v1 transport, which makes changes routable in well under a second.</summary>
    public NacosPushOptions Push { get; set; } = new();

    /// <summary>How this instance registers itself.</summary>
    public NacosRegistrationOptions Registration { get; set; } = new();

    /// <summary>The metadata keys that carry an instance's lane.</summary>
    public NacosLaneMetadataOptions LaneMetadata { get; set; } = new();

    /// <summary>The namespace id sent to the server: <see cref="Namespace"/>, or <c>public</c> when empty.</summary>
    internal string NamespaceId => string.IsNullOrEmpty(Namespace) ? "public" : Namespace;
}
