from django.test import Client


def test_the_rule_list_page_shows_every_category(db):
    resp = Client().get("/rules/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "Edge and security" in html and 'href="/rules/wobbly-call/"' in html


def test_a_rule_page_shows_why_snippets_and_configuration(db):
    html = Client().get("/rules/long-sync-chain/").content.decode()
    assert "Why it matters" in html and "max_hops" in html and "apiVersion: workbench/v1" in html


def test_an_unknown_rule_page_is_404(db):
    assert Client().get("/rules/nope/").status_code == 404
