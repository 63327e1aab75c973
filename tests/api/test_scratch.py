import json
import pytest
from tests.conftest import at, sign_in

pytestmark = pytest.mark.django_db

def test_x(client, banker_a, bank_a, officer, file_pledge, firm):
    sign_in(client, banker_a)
    base = {"pledgor_uscc": firm.uscc, "pledgor_name": "x", "ip_items": [{"kind":"trademark","number":"1"}], "loan_amount": "5", "term_months": 12}
    for ch in [{}, {"term_months": True}, {"term_months": "12"}, {"loan_amount": 1.5}, {"loan_amount": None}, {"loan_amount": [1]}, {"loan_amount": "-5"}, {"loan_amount": -5}, {"loan_amount": 5000000}, {"term_months": 12.0}, {"ip_items": []}, {"pledgor_uscc": "123"}]:
        r = client.post("/api/v1/finance/pledges", data=json.dumps({**base, **ch}), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
        print(ch, r.status_code, r.content[:400])
    print(json.dumps(client.get("/api/v1/openapi.json").json()["components"]["schemas"]["PledgeIn"], ensure_ascii=False))
    assert 0
