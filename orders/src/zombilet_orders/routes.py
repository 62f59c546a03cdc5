"""/api/orders: thin handlers over OrderService; every route needs a session."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from zombilet_common.auth import CurrentUser
from zombilet_common.body import JsonBody
from zombilet_orders.schemas import CreateOrderBody, OrderPublic, order_id_rule
from zombilet_orders.service import OrderService

router = APIRouter(prefix="/api/orders")


async def order_service(request: Request) -> OrderService:
    service: OrderService = request.app.state.orders
    return service


Orders = Annotated[OrderService, Depends(order_service)]


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_order(
    user: CurrentUser,
    body: Annotated[CreateOrderBody, JsonBody(CreateOrderBody)],
    orders: Orders,
) -> OrderPublic:
    """Reserve a ticket for the signed-in user."""
    order = await orders.place_order(user_id=user.id, ticket_id=body.ticket_id)
    tickets = await orders.tickets_for([order])
    return OrderPublic.of(order, tickets.get(order.ticket_id))


@router.get("")
async def list_orders(user: CurrentUser, orders: Orders) -> list[OrderPublic]:
    """The signed-in user's orders of any status, newest first."""
    mine = await orders.list_orders(user.id)
    tickets = await orders.tickets_for(mine)
    return [OrderPublic.of(order, tickets.get(order.ticket_id)) for order in mine]


@router.get("/{order_id}")
async def show_order(order_id: str, user: CurrentUser, orders: Orders) -> OrderPublic:
    order = await orders.show_order(user_id=user.id, order_id=order_id_rule(order_id))
    tickets = await orders.tickets_for([order])
    return OrderPublic.of(order, tickets.get(order.ticket_id))


@router.delete("/{order_id}", status_code=status.HTTP_204_NO_CONTENT)
async def cancel_order(order_id: str, user: CurrentUser, orders: Orders) -> Response:
    """Cancel one's own order; the body is never read."""
    await orders.cancel_order(user_id=user.id, order_id=order_id_rule(order_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
