namespace Lanes.AspNetCore.Entry.Rules;

/// <summary>What part of the request a value condition reads.</summary>
internal enum ConditionKind
{
    Header,
    QueryParameter,
    Cookie,
}
