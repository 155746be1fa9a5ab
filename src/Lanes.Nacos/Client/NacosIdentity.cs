using Google.Protobuf.Collections;

namespace Lanes.Nacos.Client;

/// <summary>
/// What a request presents to prove who sends it: an access token from a login and/or an access-key signature
/// (<c>ak</c>, <c>data</c> = <c>timestamp@@group@@service</c>, <c>signature</c> = Base64 HMAC-SHA1 of <c>data</c>).
/// HTTP requests carry it as parameters, gRPC requests as payload headers. Never logged.
/// </summary>
internal readonly record struct NacosIdentity(string? AccessToken, string? AccessKey, string? SignedData, string? Signature)
{
    public bool IsEmpty => AccessToken is null && AccessKey is null;

    public void AddTo(List<KeyValuePair<string, string>> parameters)
    {
        if (AccessToken is not null)
        {
            parameters.Add(new("accessToken", AccessToken));
        }

        if (AccessKey is not null)
        {
            parameters.Add(new("ak", AccessKey));
            parameters.Add(new("data", SignedData!));
            parameters.Add(new("signature", Signature!));
        }
    }

    public void AddTo(MapField<string, string> headers)
    {
        if (AccessToken is not null)
        {
            headers["accessToken"] = AccessToken;
        }

        if (AccessKey is not null)
        {
            headers["ak"] = AccessKey;
            headers["data"] = SignedData!;
            headers["signature"] = Signature!;
        }
    }

    public override string ToString() => "NacosIdentity { (redacted) }";
}
