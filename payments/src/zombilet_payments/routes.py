"""/api/payments: a thin handler over PaymentService."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from zombilet_common.auth import CurrentUser
from zombilet_common.body import JsonBody
from zombilet_payments.schemas import CreatePaymentBody, PaymentPublic
from zombilet_payments.service import PaymentService

router = APIRouter(prefix="/api/payments")


async def payment_service(request: Request) -> PaymentService:
    service: PaymentService = request.app.state.payments
    return service


Payments = Annotated[PaymentService, Depends(payment_service)]


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_payment(
    user: CurrentUser,
    body: Annotated[CreatePaymentBody, JsonBody(CreatePaymentBody)],
    payments: Payments,
) -> PaymentPublic:
    """Pay for one of the signed-in user's orders with a card token."""
    payment = await payments.pay(user_id=user.id, order_id=body.order_id, token=body.token)
    return PaymentPublic.of(payment)
