from tests.apps.rules.helpers import call, check, fired, svc


def test_no_api_gateway_for_actors_and_frontends_calling_services_directly():
    r = check(
        actors=[{"id": "user", "calls": ["a", "g", "web", "ext"]}],
        services=[
            svc("web", kind="frontend", calls=[{"to": "b"}, {"to": "g"}]),
            svc("g", kind="gateway"),
            svc("a"),
            svc("b"),
            svc("ext", kind="external"),
        ],
    )
    assert sorted(f.target for f in fired(r, "no-api-gateway")) == ["user->a", "web->b"]


def test_no_api_gateway_for_public_apis_no_route_reaches():
    r = check(
        services=[
            svc(
                "g",
                kind="gateway",
                routes=[{"path": "/b", "to": "b"}, {"path": "/c", "to": "c", "api": "c1"}],
            ),
            svc("a", apis=[{"id": "a-api", "public": True, "version": "v1"}]),
            svc("b", apis=[{"id": "b-api", "public": True, "version": "v1"}]),
            svc(
                "c",
                apis=[
                    {"id": "c1", "public": True, "version": "v1"},
                    {"id": "c2", "public": True, "version": "v1"},
                ],
            ),
        ]
    )
    assert sorted(f.target for f in fired(r, "no-api-gateway")) == ["a-api", "c2"]


def test_unauthenticated_entry_when_neither_route_nor_api_authenticates():
    r = check(
        services=[
            svc(
                "g",
                kind="gateway",
                routes=[
                    {"path": "/a", "to": "a"},  # api none -> fires
                    {"path": "/b", "to": "b"},  # api jwt -> ok
                    {"path": "/c", "to": "c", "auth": "jwt"},  # route auth -> ok
                    {"path": "/d", "to": "d", "api": "d1"},  # named api none -> fires
                    {"path": "/e", "to": "e"},  # one of e's apis has auth -> ok
                ],
            ),
            svc("a", apis=[{"id": "a1", "version": "v1"}]),
            svc("b", apis=[{"id": "b1", "version": "v1", "auth": "jwt"}]),
            svc("c", apis=[{"id": "c1", "version": "v1"}]),
            svc(
                "d",
                apis=[{"id": "d1", "version": "v1"}, {"id": "d2", "version": "v1", "auth": "jwt"}],
            ),
            svc(
                "e",
                apis=[{"id": "e1", "version": "v1"}, {"id": "e2", "version": "v1", "auth": "jwt"}],
            ),
            svc(
                "p", apis=[{"id": "p1", "version": "v1", "public": True}]
            ),  # public, no route -> fires
            svc("q", apis=[{"id": "q1", "version": "v1", "public": True, "auth": "oauth2"}]),
        ]
    )
    assert sorted(f.target for f in fired(r, "unauthenticated-entry")) == ["g->a", "g->d", "p1"]


def test_unencrypted_call_reads_the_effective_tls():
    r = check(
        services=[
            svc("a", calls=[call("b", tls=None), call("c", tls=True), call("d", tls="mtls")]),
            svc("b"),
            svc("c"),
            svc("d"),
        ]
    )
    assert [f.target for f in fired(r, "unencrypted-call")] == ["a->b"]
    r = check(
        defaults={"call": {"tls": "mtls"}}, services=[svc("a", calls=[{"to": "b"}]), svc("b")]
    )
    assert fired(r, "unencrypted-call") == []


def test_trust_the_network_when_the_edge_protects_the_callee():
    r = check(
        services=[
            svc("g", kind="gateway", routes=[{"path": "/a", "to": "a", "auth": "jwt"}]),
            svc("a"),
            svc("b", apis=[{"id": "b1", "public": True, "auth": "oauth2", "version": "v1"}]),
            svc("c"),
            svc("x", calls=[call("a", auth=None), call("b", auth=None), call("c", auth=None)]),
            svc("y", calls=[call("a", auth="jwt")]),
        ]
    )
    assert sorted(f.target for f in fired(r, "trust-the-network")) == ["x->a", "x->b"]
